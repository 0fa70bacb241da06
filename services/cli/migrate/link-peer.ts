/**
 * The platform's peer for a box: a dynamic friend with the box's new secret, entering its own
 * context, and the options of the box's link that describe the link itself (codecs, trunking,
 * qualify, call tokens, encryption), taken from the box's own section for the other box (its
 * first, when it has several) after the [general] defaults Asterisk applies to every section.
 * The section is written as iax.conf text (what the import takes) and checked here by the
 * importer's own parser first, so a bad option is reported at its line in the box's file.
 */
import { ConfImportError, type ConfProblem } from '../../../shared/iaxconf/conf-errors.ts';
import type { ConfEntry } from '../../../shared/iaxconf/conf-lexer.ts';
import { importIaxConf } from '../../../shared/iaxconf/iax-conf.ts';
import type { PeerConfig } from '../../../shared/model/peer.ts';
import type { BoxSection } from './box-conf.ts';
import { defaultLanding, platformContext } from './box-contexts.ts';
import type { Box } from './box-naming.ts';

/** Options of a link section that are about the link, not about the box at its other end. */
const LINK_OPTIONS = new Set([
  'allow', 'disallow', 'trunk', 'trunktimestamps', 'qualify', 'qualifysmoothing', 'qualifyfreqok', 'qualifyfreqnotok',
  'requirecalltoken', 'encryption', 'forceencryption', 'codecpriority', 'transfer',
]);
/** Of those, the ones Asterisk also takes from [general] as every section's default. */
const GENERAL_DEFAULTS = new Set(['allow', 'disallow', 'encryption', 'forceencryption', 'requirecalltoken', 'trunktimestamps', 'codecpriority']);

/** The section the platform peer's link options come from: the box's first link in its file. */
export function firstLink(box: Box): BoxSection {
  return [...box.links.values()].sort((a, b) => a.line - b.line)[0]!;
}

export const linkOptions = (section: BoxSection): ConfEntry[] => section.entries.filter((e) => LINK_OPTIONS.has(e.key));

/** A value as an iax.conf line can hold it (`;` starts a comment). */
export const confValue = (value: string): string => value.replace(/;/g, '\\;');

export interface PlatformPeer {
  name: string;
  /** Its iax.conf section as the import takes it, the secret included. */
  lines: string[];
  peer: PeerConfig;
}

/** The box's platform peer, or its problems at their lines in the box's file. */
export function platformPeer(box: Box, secret: string, auth: string): { peer: PlatformPeer; warnings: ConfProblem[] } | { problems: ConfProblem[] } {
  const link = firstLink(box);
  const landing = defaultLanding(box);
  const lines: Array<{ text: string; from?: ConfEntry | { line: number } }> = [
    { text: `[${box.name}]`, from: link },
    { text: 'type=friend' },
    { text: 'host=dynamic' },
    // The name the platform logs in as when it calls the box: the box's [strowger] section.
    { text: 'username=strowger' },
    { text: `secret=${confValue(secret)}` },
    { text: `auth=${auth}` },
    { text: `context=${platformContext(box)}` },
    ...(landing === undefined ? [] : [{ text: `peercontext=${landing}` }]),
    ...box.conf.general.filter((e) => GENERAL_DEFAULTS.has(e.key)).map((e) => ({ text: `${e.key}=${confValue(e.value)}`, from: e })),
    ...linkOptions(link).map((e) => ({ text: `${e.key}=${confValue(e.value)}`, from: e })),
  ];
  const warnings: ConfProblem[] = [];
  for (const other of box.links.values()) {
    const differs = (s: BoxSection): string => linkOptions(s).map((e) => `${e.key}=${e.value}`).join('\n');
    if (other !== link && differs(other) !== differs(link)) {
      warnings.push({ file: box.conf.file, line: other.line, reason: `[${other.name}]'s link options differ from [${link.name}]'s; the platform peer ${box.name} and its [strowger] section take [${link.name}]'s` });
    }
  }
  try {
    const imported = importIaxConf(`${lines.map((l) => l.text).join('\n')}\n`, { tenant: '-', file: box.conf.file });
    return { peer: { name: box.name, lines: lines.map((l) => l.text), peer: imported.peers[0]! }, warnings };
  } catch (error) {
    if (!(error instanceof ConfImportError)) throw error;
    return {
      problems: error.problems.map((p) => {
        const from = lines[p.line - 1]?.from;
        if (from !== undefined) return { file: box.conf.file, line: from.line, reason: p.reason };
        return { file: box.conf.file, line: 0, reason: `platform peer ${box.name}: ${p.reason}` };
      }),
    };
  }
}
