/**
 * Peer options on the command line in iax.conf's own words (`type=friend host=dynamic
 * auth=md5 secret=- context=fromiax qualify=yes`), read by the same importer as an iax.conf
 * file, so the CLI accepts exactly what an import accepts. `secret=-` reads the secret from
 * standard input, keeping it out of the shell history and the process list.
 */
import { ConfImportError } from '../../../shared/iaxconf/conf-errors.ts';
import { importIaxConf } from '../../../shared/iaxconf/iax-conf.ts';
import type { PeerConfig } from '../../../shared/model/peer.ts';
import { CliError } from '../api-client.ts';
import { ExitCode, type CliIo } from '../io.ts';

/** The peer field each iax.conf option writes, where the names differ. */
const FIELD_OF: Record<string, keyof PeerConfig> = {
  secret: 'secrets',
  context: 'contexts',
  allow: 'codecs',
  disallow: 'codecs',
  permit: 'acl',
  deny: 'acl',
};

export interface ParsedOptions {
  peer: PeerConfig;
  /** The fields the given options set (for a patch). */
  fields: Set<keyof PeerConfig>;
}

async function readSecret(io: CliIo): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.includes('\n')) break;
  }
  const secret = text.split(/\r?\n/)[0] ?? '';
  if (secret === '') throw new CliError('secret=- reads the secret from standard input, which was empty', ExitCode.BAD_INPUT);
  return secret;
}

/** `base` lines (e.g. the current type) come first, then the options given. */
export async function parsePeerOptions(io: CliIo, name: string, options: readonly string[], base: readonly string[] = []): Promise<ParsedOptions> {
  const lines: string[] = [];
  const fields = new Set<keyof PeerConfig>();
  for (const option of options) {
    const match = /^([A-Za-z_]+)\s*=\s*(.*)$/s.exec(option);
    if (match === null) throw new CliError(`"${option}" is not option=value (iax.conf words, e.g. host=dynamic)`, ExitCode.USAGE);
    const [, key = '', rawValue = ''] = match;
    if (/[\n\r;]/.test(rawValue)) throw new CliError(`${key}: a value cannot hold a newline or ";"`, ExitCode.USAGE);
    const value = key.toLowerCase() === 'secret' && rawValue === '-' ? await readSecret(io) : rawValue;
    lines.push(`${key.toLowerCase()}=${value}`);
    fields.add(FIELD_OF[key.toLowerCase()] ?? (key.toLowerCase() as keyof PeerConfig));
  }
  const text = [`[${name}]`, ...base, ...lines].join('\n');
  try {
    const imported = importIaxConf(`${text}\n`, { tenant: '-', file: 'options' });
    const peer = imported.peers[0];
    if (peer === undefined) throw new CliError(`no peer ${name} in the options`, ExitCode.USAGE);
    return { peer, fields };
  } catch (error) {
    if (!(error instanceof ConfImportError)) throw error;
    // Line 1 is the section header and then the base lines; point at the option itself.
    const optionLine = (line: number): number => line - 2 - base.length;
    const ofOptions = error.problems.filter((p) => optionLine(p.line) >= 0);
    // A bad option explains the section-level complaints it causes (no type=, say): show it alone.
    const reasons = (ofOptions.length > 0 ? ofOptions : error.problems).map((p) => {
      const option = (options[optionLine(p.line)] ?? '').replace(/^(secret\s*=).*/i, '$1***');
      return option === '' || p.reason.startsWith(option) ? p.reason : `${option}: ${p.reason}`;
    });
    throw new CliError(reasons.join('\n'), ExitCode.BAD_INPUT);
  }
}
