/** `host:port` settings (`0.0.0.0:4569`, `[::]:4569`, `:8081`), read once at start with a clear error. */
import { isIP } from 'node:net';
import { StrowgerError } from '../../shared/errors.ts';

export interface BindAddress {
  address: string;
  port: number;
}

export function parseBind(name: string, value: string | undefined, fallback: string): BindAddress {
  const text = value === undefined || value === '' ? fallback : value;
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const address = match?.[1] ?? (match?.[2] === '' ? '0.0.0.0' : match?.[2]);
  const port = Number(match?.[3]);
  if (match === null || address === undefined || isIP(address) === 0 || !(port >= 0 && port <= 65535)) {
    throw new StrowgerError('STROWGER_ERR_CONFIG', `${name}="${text}" is not an IP:port (e.g. 0.0.0.0:4569 or [::]:4569)`);
  }
  return { address, port };
}
