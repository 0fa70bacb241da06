/**
 * IAX2 dial strings as Dial() takes them (test/fixtures/seeds/chan_iax-notes.txt):
 *   IAX2/[<user>[:<secret>]@]<peer>[:<port>][/<extension>[@<context>][/<option>]]
 * The extension may use `${EXTEN}` or `${EXTEN:n}` (the dialled number without its first n
 * digits), which a route fills in at call time.
 */
import { StrowgerError } from '../errors.ts';
import { quoteConf } from './secret-mask.ts';

export interface DialTarget {
  user?: string;
  secret?: string;
  /** `[keyname]` in the secret position: an RSA outkey. */
  outkey?: string;
  peer: string;
  port?: number;
  extension?: string;
  context?: string;
  options?: string;
}

export function parseDialString(text: string): DialTarget {
  // The string is quoted with its secret masked: these messages reach API responses and terminals.
  const bad = (why: string): StrowgerError => new StrowgerError('STROWGER_ERR_DIAL_STRING', `${quoteConf(text)}: ${why}`);
  const match = /^IAX2\/(.+)$/i.exec(text.trim());
  if (match === null) throw bad('only IAX2/... destinations are supported');
  const rest = match[1] ?? '';
  const [address = '', extensionPart, options] = splitOnce(rest, '/', 2);
  const at = address.lastIndexOf('@');
  const credentials = at >= 0 ? address.slice(0, at) : undefined;
  const hostPort = at >= 0 ? address.slice(at + 1) : address;
  const target: DialTarget = { peer: '' };
  if (credentials !== undefined) {
    const [user = '', secret] = splitOnce(credentials, ':', 1);
    if (user === '') throw bad('an empty user before @');
    target.user = user;
    const key = secret === undefined ? null : /^\[(.+)\]$/.exec(secret);
    if (key !== null && key !== undefined) target.outkey = key[1];
    else if (secret !== undefined && secret !== '') target.secret = secret;
  }
  const [peer = '', port] = splitOnce(hostPort, ':', 1);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(peer)) throw bad(`${quoteConf(peer)} is not a peer name or host`);
  target.peer = peer;
  if (port !== undefined) {
    const n = Number(port);
    if (!/^\d+$/.test(port) || n < 1 || n > 65535) throw bad(`port ${quoteConf(port)} is not 1..65535`);
    target.port = n;
  }
  if (extensionPart !== undefined) {
    const [extension = '', context] = splitOnce(extensionPart, '@', 1);
    if (!/^([0-9A-Za-z*#+_.-]|\$\{EXTEN(:\d+)?\})+$/.test(extension)) throw bad(`extension ${quoteConf(extension)} is not digits, letters or \${EXTEN[:n]}`);
    target.extension = extension;
    if (context !== undefined) target.context = context;
  }
  if (options !== undefined && options !== '') target.options = options;
  return target;
}

/** The extension to dial for `dialled`, with `${EXTEN}` and `${EXTEN:n}` filled in. */
export function expandExtension(template: string, dialled: string): string {
  return template.replace(/\$\{EXTEN(?::(\d+))?\}/g, (_m, skip: string | undefined) => dialled.slice(Number(skip ?? 0)));
}

function splitOnce(text: string, separator: string, maxSplits: number): string[] {
  const parts: string[] = [];
  let rest = text;
  for (let i = 0; i < maxSplits; i++) {
    const at = rest.indexOf(separator);
    if (at < 0) break;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}
