/**
 * The command line of `strowger migrate` turned into the planner's input: the files read (each
 * bounded like an import's), `--box NAME=FILE` and `--extensions NAME=FILE` split, and the
 * platform's address. A malformed option is a usage error (exit 2); a file that cannot be
 * read is bad input (exit 1).
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from '../api-client.ts';
import { ExitCode } from '../io.ts';
import type { PlatformAddress } from './box-changes.ts';

const MAX_FILE_BYTES = 512 * 1024;
const IAX2_PORT = 4569;

export function readConfFile(path: string): string {
  try {
    if (statSync(path).size > MAX_FILE_BYTES) throw new CliError(`${path}: over ${MAX_FILE_BYTES / 1024} KiB`, ExitCode.BAD_INPUT);
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, ExitCode.BAD_INPUT);
  }
}

/** `NAME=FILE`, as --box and --extensions take it. */
export function nameAndFile(option: string, value: string, usage: string): { name: string; file: string } {
  const at = value.indexOf('=');
  if (at < 1 || at === value.length - 1) throw new CliError(`--${option} "${value}" is not NAME=FILE\n${usage}`, ExitCode.USAGE);
  return { name: value.slice(0, at), file: value.slice(at + 1) };
}

/** The boxes' iax.conf files: the positional ones and those --box names, each once, with its --box name. */
export function boxFiles(positionals: readonly string[], named: ReadonlyArray<{ name: string; file: string }>, usage: string): Array<{ file: string; name?: string }> {
  const files = new Map<string, { file: string; name?: string }>();
  for (const file of positionals) files.set(resolve(file), { file });
  for (const { name, file } of named) {
    const earlier = files.get(resolve(file));
    if (earlier?.name !== undefined && earlier.name !== name) throw new CliError(`--box names ${file} twice (${earlier.name}, ${name})\n${usage}`, ExitCode.USAGE);
    files.set(resolve(file), { file: earlier?.file ?? file, name });
  }
  return [...files.values()];
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`; the port is kept only when it is not IAX2's own. */
export function parsePlatform(text: string, usage: string): PlatformAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(text);
  const port = match?.[3] === undefined ? undefined : Number(match[3]);
  if (match === null || (port !== undefined && (port < 1 || port > 65535))) {
    throw new CliError(`--platform "${text}" is not HOST or HOST:PORT (where the boxes reach the platform's IAX2 port)\n${usage}`, ExitCode.USAGE);
  }
  const host = match[1] ?? match[2] ?? '';
  return port === undefined || port === IAX2_PORT ? { host } : { host, port };
}

/** The API URL's host: where the platform is when --platform is not given. */
export function apiHost(apiUrl: string): string {
  const host = new URL(apiUrl).hostname;
  return host.startsWith('[') ? host.slice(1, -1) : host;
}
