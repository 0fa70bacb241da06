/**
 * Which box each iax.conf belongs to, and which of its sections is its link to each other box.
 *
 * A box's file never says the box's own name: the other boxes' files do. The rule, in order:
 *   1. `--box NAME=FILE` names FILE's box outright.
 *   2. Two sections that mirror each other name both files: `[B]` with `username=A` in one file
 *      and `[A]` with `username=B` in another make the first file box A and the second box B
 *      (each box logs in to the other under the name the other gives its section; the seed
 *      recipe's foo and bar are written this way).
 *   3. With exactly two files, a file whose only section is `[B]` makes the other file box B.
 * A file left without a name, a file given two names or two files given one name is refused,
 * asking for --box. Box A's link to box B is the section of a mirrored pair, else A's section
 * named B, else (rule 3) A's only section. A box with no link to any other is refused too.
 */
import type { ConfProblem } from '../../../shared/iaxconf/conf-errors.ts';
import { PeerName } from '../../../shared/model/names.ts';
import type { BoxConf, BoxSection } from './box-conf.ts';
import { MigrationRefused } from './migration-refused.ts';

export interface BoxFile {
  conf: BoxConf;
  /** From `--box NAME=FILE`. */
  name?: string;
}

export interface Box {
  /** The platform's name for it: its peer, its `register =>` and `username=`. */
  name: string;
  conf: BoxConf;
  /** The box's section for each other box, by that box's name, in file order. */
  links: Map<string, BoxSection>;
}

const ASK = 'name each box with --box NAME=FILE (NAME as the other boxes\' iax.conf sections call it)';

export function nameBoxes(files: readonly BoxFile[]): Box[] {
  const problems: ConfProblem[] = [];
  const names = files.map((f) => new Set<string>(f.name === undefined ? [] : [f.name]));
  /** Sections known to be file i's link to file j: `i:j` → section. */
  const paired = new Map<string, BoxSection>();

  files.forEach((a, i) => {
    files.forEach((b, j) => {
      if (j <= i) return;
      for (const s of a.conf.sections) {
        const t = b.conf.sections.find((t) => s.username !== undefined && t.username !== undefined && t.name === s.username && s.name === t.username);
        if (t === undefined) continue;
        if (a.name === undefined) names[i]?.add(t.name);
        if (b.name === undefined) names[j]?.add(s.name);
        paired.set(`${i}:${j}`, s);
        paired.set(`${j}:${i}`, t);
      }
    });
  });
  if (files.length === 2) {
    files.forEach((file, i) => {
      const other = files[1 - i]!;
      if (names[i]?.size === 0 && other.conf.sections.length === 1) names[i]?.add(other.conf.sections[0]!.name);
    });
  }

  files.forEach((file, i) => {
    const candidates = [...(names[i] ?? [])];
    if (candidates.length === 0) {
      problems.push({ file: file.conf.file, line: 0, reason: `cannot tell which box this is: no section in the other files pairs with one of its own ([B] with username=A here and [A] with username=B there); ${ASK}` });
    } else if (candidates.length > 1) {
      problems.push({ file: file.conf.file, line: 0, reason: `the other files call this box by several names (${candidates.join(', ')}); ${ASK}` });
    } else if (!PeerName.safeParse(candidates[0]).success) {
      problems.push({ file: file.conf.file, line: 0, reason: `box name "${candidates[0]}" is not a peer name (letters, digits and _ . + -, starting with a letter or digit); ${ASK}` });
    }
  });
  if (problems.length > 0) throw new MigrationRefused(problems);

  const boxes: Box[] = files.map((file, i) => ({ name: [...names[i]!][0]!, conf: file.conf, links: new Map() }));
  boxes.forEach((box, i) => {
    const twin = boxes.findIndex((other, j) => j !== i && other.name === box.name);
    if (twin > i) problems.push({ file: box.conf.file, line: 0, reason: `both this file and ${boxes[twin]?.conf.file} are box "${box.name}"; ${ASK}` });
  });
  if (problems.length > 0) throw new MigrationRefused(problems);

  boxes.forEach((box, i) => {
    boxes.forEach((other, j) => {
      if (i === j) return;
      const only = box.conf.sections.length === 1 && boxes.length === 2 ? box.conf.sections[0] : undefined;
      const link = paired.get(`${i}:${j}`) ?? box.conf.sections.find((s) => s.name === other.name) ?? only;
      if (link !== undefined) box.links.set(other.name, link);
    });
    if (box.links.size === 0) {
      const others = boxes.filter((b) => b !== box).map((b) => b.name).join(', ');
      problems.push({ file: box.conf.file, line: 0, reason: `box ${box.name} has no section for any of the other boxes (${others}): nothing to migrate between them` });
    }
  });
  if (problems.length > 0) throw new MigrationRefused(problems);
  return boxes;
}
