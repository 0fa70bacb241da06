/**
 * Asterisk's `.conf` syntax, read into sections of entries with their line numbers:
 *
 *   [section]            [name](!)  a template      [name](tmpl1,tmpl2)  inherits templates
 *   key = value          key => value               ; comment     \; a literal semicolon
 *
 * `#include` and `#exec` pull in files or run programs; an import takes one self-contained
 * file, so they are refused with their line. Everything refused is collected, not thrown
 * one at a time, so the operator sees every problem at once. A refused line is quoted with its
 * secrets masked (secret-mask.ts). A broken section header (`[name` without `]`) is one
 * problem: the lines under it belong to no section anyone meant, so they are passed over
 * until the next good header rather than each refused (or, worse, added to the section above).
 */
import type { ConfProblem } from './conf-errors.ts';
import { quoteConf } from './secret-mask.ts';

export interface ConfEntry {
  key: string;
  value: string;
  /** '=>' for `register =>` and `exten =>`-style lines. */
  arrow: boolean;
  line: number;
}

export interface ConfSection {
  name: string;
  line: number;
  /** `[name](!)`: a template, not an object of its own. */
  template: boolean;
  /** `[name](a,b)`: templates whose entries come first. */
  inherits: string[];
  entries: ConfEntry[];
}

export interface ConfFile {
  file: string;
  sections: ConfSection[];
  problems: ConfProblem[];
}

/** Strips a comment: `;` to the end of the line, unless escaped as `\;` (which becomes `;`). */
function stripComment(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && text[i + 1] === ';') {
      out += ';';
      i++;
    } else if (ch === ';') break;
    else out += ch;
  }
  return out;
}

/**
 * `key = value` or `key => value`, split at the first `=` by hand (a lazy regex for it
 * backtracks quadratically over a long run of spaces); undefined when the line is not one.
 */
function splitEntry(content: string): Omit<ConfEntry, 'line'> | undefined {
  const eq = content.indexOf('=');
  if (eq < 1 || /[\r\u2028\u2029]/.test(content)) return undefined;
  const arrow = content[eq + 1] === '>';
  return { key: content.slice(0, eq).trim().toLowerCase(), value: content.slice(eq + (arrow ? 2 : 1)).trim(), arrow };
}

export function lexConf(text: string, file: string): ConfFile {
  const sections: ConfSection[] = [];
  const problems: ConfProblem[] = [];
  let current: ConfSection | undefined;
  /** Under a broken header: entries are skipped until the next good one. */
  let skipping = false;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = stripComment(raw).trim();
    if (content === '') return;
    if (content.startsWith('#')) {
      const directive = /^#(\w{1,40})/.exec(content)?.[1];
      problems.push({ file, line, reason: `${directive === undefined ? quoteConf(content) : `#${directive}`} is not supported in an import: paste the included text in instead` });
      return;
    }
    const header = /^\[([^\]]+)\]\s*(?:\(([^)]*)\))?$/.exec(content);
    if (header !== null) {
      const options = (header[2] ?? '').split(',').map((o) => o.trim()).filter((o) => o !== '');
      current = {
        name: (header[1] ?? '').trim(),
        line,
        template: options.includes('!'),
        inherits: options.filter((o) => o !== '!' && o !== '+'),
        entries: [],
      };
      sections.push(current);
      skipping = false;
      return;
    }
    if (content.startsWith('[')) {
      problems.push({ file, line, reason: `${quoteConf(content)} is not a section header like [name] or [name](template): the lines after it, up to the next [section], are not read` });
      current = undefined;
      skipping = true;
      return;
    }
    if (skipping) return;
    const entry = splitEntry(content);
    if (entry === undefined) {
      problems.push({ file, line, reason: `${quoteConf(content)} is neither [section] nor key = value` });
      return;
    }
    if (current === undefined) {
      problems.push({ file, line, reason: `${quoteConf(content)} comes before any [section]` });
      return;
    }
    current.entries.push({ ...entry, line });
  });
  return { file, sections, problems };
}

/** A section's entries with its templates' entries first, in `(a,b)` order (recursively). */
export function resolveTemplates(conf: ConfFile, section: ConfSection, seen: ReadonlySet<string> = new Set()): ConfEntry[] {
  const entries: ConfEntry[] = [];
  for (const name of section.inherits) {
    const template = conf.sections.find((s) => s.name === name && s.template);
    if (template === undefined) {
      conf.problems.push({ file: conf.file, line: section.line, reason: `[${section.name}] inherits "${name}", which is not a template [${name}](!) above it` });
      continue;
    }
    if (seen.has(name)) {
      conf.problems.push({ file: conf.file, line: section.line, reason: `template "${name}" inherits itself` });
      continue;
    }
    entries.push(...resolveTemplates(conf, template, new Set([...seen, name])));
  }
  return [...entries, ...section.entries];
}
