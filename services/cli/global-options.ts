/**
 * Options every API command shares may come before the command as well as after it, the way
 * git and aws take them: `strowger --api URL --key K tenant list` is `strowger tenant list
 * --api URL --key K`. The ones before the command are taken off here, each made one word
 * (`--api=URL`), and handed to the command ahead of its own arguments, so the command's parser,
 * usage and errors stay the only ones. Given both places, the one after the command wins (it
 * is parsed last): an alias that puts `--api` first can still be pointed elsewhere.
 */
import { CliError } from './api-client.ts';
import { ExitCode } from './io.ts';

const WITH_VALUE = new Set(['--api', '--key', '--tenant']);
const FLAGS = new Set(['--json', '--help', '-h']);

export interface GlobalSplit {
  /** The global options, each as one `--name=value` or `--flag` word. */
  globals: string[];
  /** The command and everything after it. */
  rest: string[];
}

/** Takes the global options off the front of `argv`; an unknown option there is a usage error. */
export function takeGlobalOptions(argv: readonly string[]): GlobalSplit {
  const globals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (!word.startsWith('-') || word === '-') break;
    if (word === '--') {
      i++;
      break;
    }
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    if (FLAGS.has(name) && eq < 0) globals.push(name);
    else if (WITH_VALUE.has(name) && eq >= 0) globals.push(word);
    else if (WITH_VALUE.has(name)) {
      const value = argv[i + 1];
      if (value === undefined) throw new CliError(`${name} needs a value (see strowger --help)`, ExitCode.USAGE);
      globals.push(`${name}=${value}`);
      i++;
    } else if (FLAGS.has(name)) throw new CliError(`${name} takes no value (see strowger --help)`, ExitCode.USAGE);
    else throw new CliError(`unknown option ${name} before the command (see strowger --help)`, ExitCode.USAGE);
  }
  return { globals, rest: argv.slice(i) };
}

/** The command's arguments after the global options (one word each, so a subcommand is the first word not starting with '-'). */
export function withGlobals(args: readonly string[], globals: readonly string[]): string[] {
  return [...globals, ...args];
}
