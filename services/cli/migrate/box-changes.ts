/**
 * What changes on each box: a `register =>` line to the platform, one [strowger] section in
 * place of its sections for the other boxes (the platform reaches them now), and its Dial()
 * strings to those boxes pointed at [strowger]. The section keeps what the old link said
 * about the link (codecs, trunking, call tokens, encryption) and where calls landed.
 */
import { isFalse } from '../../../shared/iaxconf/conf-values.ts';
import { landingContexts } from './box-contexts.ts';
import type { BoxDialplan } from './box-dialplan.ts';
import type { Box } from './box-naming.ts';
import { confValue, firstLink, linkOptions } from './link-peer.ts';

/** The section every box gets for the platform. */
export const PLATFORM_SECTION = 'strowger';

export interface PlatformAddress {
  host: string;
  /** Given only when not IAX2's 4569. */
  port?: number;
}

export interface BoxChanges {
  box: string;
  file: string;
  secret: string;
  register: string;
  /** The [strowger] section, line by line. */
  section: string[];
  /** The box's sections for the other boxes: the first is replaced by [strowger], the rest removed. */
  replaces: Array<{ name: string; line: number; endLine: number }>;
  /** With the box's extensions.conf: its lines to change. */
  dialplan?: { file: string; changes: Array<{ line: number; before: string; after: string }> };
  /** Without it: the peer names its Dial() strings reached the other boxes by. */
  dialledAs: string[];
}

export function boxChanges(box: Box, secret: string, auth: string, platform: PlatformAddress, dialplan?: BoxDialplan): BoxChanges {
  const link = firstLink(box);
  const hostPort = platform.port === undefined ? platform.host : `${platform.host.includes(':') ? `[${platform.host}]` : platform.host}:${platform.port}`;
  const options = linkOptions(link);
  const lastValue = (key: string): string | undefined => [...options].reverse().find((e) => e.key === key)?.value;
  const trunk = lastValue('trunk') ?? 'no';
  const qualify = lastValue('qualify');
  const sections = [...box.links.values()].sort((a, b) => a.line - b.line);
  return {
    box: box.name,
    file: box.conf.file,
    secret,
    register: `register => ${box.name}:${confValue(secret)}@${hostPort}`,
    section: [
      `[${PLATFORM_SECTION}]`,
      'type=friend',
      `host=${platform.host}`,
      ...(platform.port === undefined ? [] : [`port=${platform.port}`]),
      `username=${box.name}`,
      `secret=${confValue(secret)}`,
      `auth=${auth}`,
      ...landingContexts(box).map((c) => `context=${c}`),
      `trunk=${trunk}`,
      // The box's qualify keeps its path through the platform's load balancer open (it forgets a quiet flow).
      `qualify=${qualify === undefined || isFalse(qualify) ? 'yes' : qualify}`,
      ...options.filter((e) => e.key !== 'trunk' && e.key !== 'qualify').map((e) => `${e.key}=${confValue(e.value)}`),
    ],
    replaces: sections.filter((s, i) => sections.indexOf(s) === i).map((s) => ({ name: s.name, line: s.line, endLine: s.endLine })),
    ...(dialplan === undefined ? {} : { dialplan: { file: dialplan.file, changes: dialplan.uses.map((u) => ({ line: u.line, before: u.before, after: u.after })) } }),
    dialledAs: sections.map((s) => s.name),
  };
}

const lines = (from: number, to: number): string => (from === to ? `${from}` : `${from}-${to}`);

/** The changes with `shown` in place of the secret (a dry run has none to give). */
export function withShownSecret(changes: BoxChanges, shown: string): BoxChanges {
  const show = (text: string): string => text.split(confValue(changes.secret)).join(shown);
  return { ...changes, secret: shown, register: show(changes.register), section: changes.section.map(show) };
}

/** The changes as the box's operator reads them. */
export function renderBoxChanges(changes: BoxChanges): string {
  const indent = (text: string): string => `    ${text}`;
  const [first, ...rest] = changes.replaces;
  const out = [
    `== box ${changes.box} (${changes.file}) ==`,
    `${changes.file}, in [general], add:`,
    indent(changes.register),
  ];
  if (first !== undefined) out.push(`${changes.file}:${lines(first.line, first.endLine)}: replace [${first.name}] with:`, ...changes.section.map(indent));
  for (const other of rest) out.push(`${changes.file}:${lines(other.line, other.endLine)}: remove [${other.name}] (the platform reaches it now)`);
  if (changes.dialplan !== undefined) {
    for (const change of changes.dialplan.changes) out.push(`${changes.dialplan.file}:${change.line}: change`, `  - ${change.before.trim()}`, `  + ${change.after.trim()}`);
    if (changes.dialplan.changes.length === 0) out.push(`${changes.dialplan.file}: no Dial() to the other boxes to change`);
  } else {
    for (const name of changes.dialledAs) out.push(`extensions.conf: in every Dial(), IAX2/${name}/... becomes IAX2/${PLATFORM_SECTION}/... (the rest of the dial string stays)`);
  }
  return out.join('\n');
}
