/**
 * A box's own extensions.conf, read for what matters to a migration: the Dial(IAX2/...) lines
 * that reach another box, and the extensions each context answers. Everything else in it
 * (other applications, SIP phones, providers) is the box's business and is left alone.
 *
 * Each such Dial is pointed at the platform sending the box's own extension, `${EXTEN}`, and
 * the number the old dial string sent (`23`, `${EXTEN:1}`) moves to the platform's route for
 * that extension: the box's patterns are unique in a context, so the platform can tell the
 * calls apart however the box rewrote the numbers. A Dial the platform cannot take over (two
 * boxes at once, a number built from other variables, a pattern it cannot match) is left as
 * it is, with a warning at its line.
 */
import type { ConfProblem } from '../../../shared/iaxconf/conf-errors.ts';
import { lexConf } from '../../../shared/iaxconf/conf-lexer.ts';
import { parseDialString, type DialTarget } from '../../../shared/iaxconf/dial-string.ts';
import { splitArgs } from '../../../shared/iaxconf/extensions-conf.ts';
import { quoteConf } from '../../../shared/iaxconf/secret-mask.ts';
import { ExtensionPattern } from '../../../shared/model/route.ts';

export interface DialUse {
  file: string;
  line: number;
  /** The line as written, and as it reads pointed at the platform. */
  before: string;
  after: string;
  /** The box's context and extension pattern the Dial is in. */
  context: string;
  pattern: string;
  /** A `same =>` or later-priority line: tried after the lines before it. */
  continuing: boolean;
  /** The box it dials. */
  to: string;
  target: DialTarget & { extension: string };
  timeoutS?: number;
}

export interface BoxDialplan {
  file: string;
  uses: DialUse[];
  /** Each context's extensions, in order (what a caller landing there may dial). */
  extensions: Map<string, string[]>;
  /** Lines left as they are, and why. */
  warnings: ConfProblem[];
}

/** Extensions Asterisk runs itself (start, hang-up, invalid, timeout...), never dialled. */
const SPECIAL_EXTENSIONS = new Set(['s', 'h', 'i', 't', 'T', 'o', 'a', 'e', 'fax', 'talk']);

/** The peer a dial string's address names: `IAX2/[user[:secret]@]peer[:port]/...`. */
function dialledPeer(dial: string): string | undefined {
  const address = /^IAX2\/([^/]*)/i.exec(dial)?.[1];
  if (address === undefined) return undefined;
  return address.slice(address.lastIndexOf('@') + 1).split(':')[0];
}

/**
 * `boxOf` names the box a dialled peer is (a link section's name or host); `platformSection`
 * is the section name the box's rewritten dial strings use.
 */
export function readBoxDialplan(file: string, text: string, boxOf: (peer: string) => string | undefined, platformSection: string): BoxDialplan {
  const conf = lexConf(text, file);
  const raw = text.split(/\r?\n/);
  const warnings: ConfProblem[] = conf.problems.map((p) => ({ ...p, reason: `not read: ${p.reason}` }));
  const uses: DialUse[] = [];
  const extensions = new Map<string, string[]>();
  for (const section of conf.sections) {
    let pattern: string | undefined;
    for (const entry of section.entries) {
      if (entry.key !== 'exten' && entry.key !== 'same') continue;
      const parts = splitArgs(entry.value);
      const [priority = '', ...app] = entry.key === 'same' ? parts : parts.slice(1);
      if (entry.key === 'exten') {
        if (priority.toLowerCase() === 'hint') continue;
        pattern = parts[0] ?? '';
        const known = extensions.get(section.name) ?? [];
        if (!known.includes(pattern) && !SPECIAL_EXTENSIONS.has(pattern)) extensions.set(section.name, [...known, pattern]);
      }
      const dial = /^dial\s*\((.*)\)$/is.exec(app.join(',').trim());
      if (dial === null || pattern === undefined) continue;
      const warn = (reason: string): void => {
        warnings.push({ file, line: entry.line, reason: `${reason}; left as it is` });
      };
      const [dials = '', timeout] = splitArgs(dial[1] ?? '');
      const toBoxes = dials.split('&').map((d) => d.trim()).filter((d) => boxOf(dialledPeer(d) ?? '') !== undefined);
      if (toBoxes.length === 0) continue;
      if (toBoxes.length > 1) {
        warn('dials two boxes at once (&): the platform routes a number to one destination at a time');
        continue;
      }
      const dialText = toBoxes[0]!;
      let target: DialTarget;
      try {
        target = parseDialString(dialText);
      } catch (error) {
        warn(`cannot tell what number ${quoteConf(dialText)} sends (${(error as Error).message})`);
        continue;
      }
      if (target.extension === undefined) {
        warn(`${quoteConf(dialText)} dials no extension`);
        continue;
      }
      if (!ExtensionPattern.safeParse(pattern).success) {
        warn(`the platform cannot match extension ${quoteConf(pattern)} (a literal, or an _pattern of X Z N [0-9] . !): route it by hand with strowger route add`);
        continue;
      }
      const rewritten = `IAX2/${platformSection}/\${EXTEN}${target.options === undefined ? '' : `/${target.options}`}`;
      const before = raw[entry.line - 1] ?? '';
      const seconds = timeout !== undefined && /^\d+$/.test(timeout) && Number(timeout) >= 1 && Number(timeout) <= 600 ? Number(timeout) : undefined;
      uses.push({
        file,
        line: entry.line,
        before,
        after: before.replace(dialText, rewritten),
        context: section.name,
        pattern,
        continuing: entry.key === 'same' || !/^1(\(|$)/.test(priority.trim()),
        to: boxOf(dialledPeer(dialText) ?? '')!,
        target: { ...target, extension: target.extension },
        ...(seconds === undefined ? {} : { timeoutS: seconds }),
      });
    }
  }
  return { file, uses, extensions, warnings };
}
