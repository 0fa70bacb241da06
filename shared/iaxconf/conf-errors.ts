import { StrowgerError } from '../errors.ts';

/** A config line we will not import, with where it is and why: `iax.conf:12: reason`. */
export interface ConfProblem {
  file: string;
  line: number;
  reason: string;
}

export class ConfImportError extends StrowgerError {
  readonly problems: readonly ConfProblem[];

  constructor(problems: readonly ConfProblem[]) {
    super('STROWGER_ERR_CONF_IMPORT', problems.map((p) => `${p.file}:${p.line}: ${p.reason}`).join('\n'));
    this.problems = problems;
  }
}
