// The iax.conf examples inside the seed documents (test/fixtures/seeds): read from the seed
// files themselves, so the import tests follow the documents the project came from.
import { readFileSync } from 'node:fs';
import { seedsDir } from './fixture-paths.ts';

/** The two indented iax.conf blocks of the peering recipe (foo's, then bar's). */
export function peeringRecipeConfs(): string[] {
  const text = readFileSync(`${seedsDir}peering-two-asterisk-servers.txt`, 'utf8');
  const blocks: string[] = [];
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    if (/^ {4}/.test(line) || (current !== undefined && line.trim() === '')) {
      current ??= [];
      current.push(line.replace(/^ {4}/, ''));
    } else if (current !== undefined) {
      blocks.push(current.join('\n'));
      current = undefined;
    }
  }
  if (current !== undefined) blocks.push(current.join('\n'));
  return blocks.filter((b) => b.includes('[general]'));
}

/** The fenced conf blocks of the chan_iax notes that hold iax.conf sections. */
export function chanIaxNotesConfs(): string[] {
  const text = readFileSync(`${seedsDir}chan_iax-notes.txt`, 'utf8');
  // Fences open with ``` plus an optional language and close with a bare ```.
  const blocks: string[] = [];
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    if (current === undefined && /^```\w*\s*$/.test(line)) current = [];
    else if (current !== undefined && /^```\s*$/.test(line)) {
      blocks.push(current.join('\n'));
      current = undefined;
    } else current?.push(line);
  }
  return blocks.filter((block) => /^\[[^\]]+\]/m.test(block) && !block.includes('load =>'));
}
