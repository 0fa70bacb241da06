/**
 * A box's own iax.conf, read for a migration: its sections (templates applied) with the few
 * options that tell who the section is for (type, username, host, secret, contexts), and where
 * each section starts and ends so the box's operator can be told which lines to replace.
 * Unlike an import, nothing here is refused yet: a box's file is full of things the platform
 * never sees (bind addresses, sections for providers), and only the sections that link it to
 * the other boxes are judged, later (link-peer.ts).
 */
import type { ConfProblem } from '../../../shared/iaxconf/conf-errors.ts';
import { lexConf, resolveTemplates, type ConfEntry } from '../../../shared/iaxconf/conf-lexer.ts';

export interface BoxSection {
  name: string;
  /** The `[name]` line. */
  line: number;
  /** The section's last option line (the header's, when it has none). */
  endLine: number;
  /** Its options, its templates' first. */
  entries: ConfEntry[];
  type: string | undefined;
  username: string | undefined;
  host: string | undefined;
  /** The last `secret=`: the one the box sends. */
  secret: string | undefined;
  /** `context=` lines in order: where the box puts calls from this peer (the first unless the caller asks for another). */
  contexts: string[];
  /** The context the box asks for when it calls this peer. */
  peercontext: string | undefined;
}

export interface BoxConf {
  /** The path as given, for messages. */
  file: string;
  /** `[general]` options, in order. */
  general: ConfEntry[];
  /** Every section that is not [general], [callnumberlimits] or a template. */
  sections: BoxSection[];
  /** Lines the lexer could not read (an `#include`, a stray line), judged by where they are. */
  unreadable: ConfProblem[];
}

const NOT_PEERS = new Set(['general', 'callnumberlimits']);

const last = (entries: readonly ConfEntry[], key: string): string | undefined => [...entries].reverse().find((e) => e.key === key)?.value;

export function readBoxConf(file: string, text: string): BoxConf {
  const conf = lexConf(text, file);
  const general = conf.sections.filter((s) => s.name.toLowerCase() === 'general').flatMap((s) => s.entries);
  const sections = conf.sections
    .filter((s) => !s.template && !NOT_PEERS.has(s.name.toLowerCase()))
    .map((section): BoxSection => {
      const entries = resolveTemplates(conf, section);
      return {
        name: section.name,
        line: section.line,
        endLine: Math.max(section.line, ...section.entries.map((e) => e.line)),
        entries,
        type: last(entries, 'type')?.toLowerCase(),
        username: last(entries, 'username'),
        host: last(entries, 'host'),
        secret: last(entries, 'secret'),
        contexts: entries.filter((e) => e.key === 'context').map((e) => e.value),
        peercontext: last(entries, 'peercontext'),
      };
    });
  // resolveTemplates reports a missing template into conf.problems too, so read them last.
  return { file, general, sections, unreadable: conf.problems };
}

/** Whether the box could place calls through this section (a user section only takes them). */
export function canDial(section: BoxSection): boolean {
  return section.type === 'peer' || section.type === 'friend';
}
