/**
 * Why a migration cannot go ahead, in the import's words: `file:line: reason` for a line of a
 * box's file, `file: reason` for the file as a whole. Every problem found is reported at once.
 */
import type { ConfProblem } from '../../../shared/iaxconf/conf-errors.ts';

export const describeProblem = (p: ConfProblem): string => (p.line > 0 ? `${p.file}:${p.line}: ${p.reason}` : `${p.file}: ${p.reason}`);

export class MigrationRefused extends Error {
  constructor(readonly problems: readonly ConfProblem[]) {
    super(problems.map(describeProblem).join('\n'));
  }
}
