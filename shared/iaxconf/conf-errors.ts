import { StrowgerError } from '../errors.ts';

/**
 * A config line we will not import, with where it is and why: `iax.conf:12: reason`. Line 0
 * is a problem of the whole file (it cannot be told apart, it is too big), never a line.
 */
export interface ConfProblem {
  file: string;
  line: number;
  reason: string;
}

/** The file of the summary lines that stand for problems left out ("and 12 more"): no place at all. */
export const NO_FILE = '-';

/** `iax.conf:12: reason`, `iax.conf (whole file): reason`, or the reason alone for a summary line. */
export function formatProblem(problem: ConfProblem): string {
  if (problem.file === NO_FILE) return problem.reason;
  return `${problem.file}${problem.line > 0 ? `:${problem.line}:` : ' (whole file):'} ${problem.reason}`;
}

export class ConfImportError extends StrowgerError {
  readonly problems: readonly ConfProblem[];

  constructor(problems: readonly ConfProblem[]) {
    super('STROWGER_ERR_CONF_IMPORT', problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
}
