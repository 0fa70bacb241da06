/**
 * `register =>` lines as iax.conf writes them (protocol.md §9.2, §8.4):
 *   user[:secret]@host[:port][/contact-exten]
 *   user:[rsakey]@host             RSA with outkey "rsakey"
 *   user:secret:[rsakey]@host      both (18.x and later)
 */
import { StrowgerError } from '../../../shared/errors.ts';

export interface RegisterLine {
  username: string;
  secret?: string;
  outkeyName?: string;
  host: string;
  port: number;
  contactExten?: string;
}

export function parseRegisterLine(text: string): RegisterLine {
  const bad = (why: string): StrowgerError => new StrowgerError('IAX2_ERR_BAD_REGISTER_LINE', `register => ${text}: ${why}`);
  const at = text.lastIndexOf('@');
  if (at < 0) throw bad('expected user[:secret]@host[:port]');
  const [username = '', ...credentialParts] = text.slice(0, at).trim().split(':');
  if (username === '') throw bad('no user name');
  let secret: string | undefined;
  let outkeyName: string | undefined;
  for (const part of credentialParts) {
    const key = /^\[(.+)\]$/.exec(part);
    if (key !== null) outkeyName = key[1];
    else if (part !== '') secret = secret === undefined ? part : `${secret}:${part}`;
  }
  const [hostPort = '', contactExten] = text.slice(at + 1).trim().split('/');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(hostPort);
  const match = bracketed ?? plain;
  if (match === null || match[1] === undefined || match[1] === '') throw bad('no host');
  const port = match[2] === undefined ? 4569 : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`port ${match[2]} is not 1..65535`);
  const line: RegisterLine = { username, host: match[1], port };
  if (secret !== undefined) line.secret = secret;
  if (outkeyName !== undefined) line.outkeyName = outkeyName;
  if (contactExten !== undefined && contactExten !== '') line.contactExten = contactExten;
  return line;
}
