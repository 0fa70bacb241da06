/**
 * node:util parseArgs' errors in the CLI's words. Its own messages are written for whoever
 * calls parseArgs ("place it at the end of the command after '--', as in '-- "--bogus"'"),
 * not for someone typing a command: this says what was wrong and where the options are listed.
 */

/** The option a parseArgs message names: `Unknown option '--x'`, `Option '--api <value>' ...`, `Option '-k, --key <value>' ...`. */
function optionNamed(message: string): string | undefined {
  const quoted = /^(?:Unknown option|Option) '([^']+)'/.exec(message)?.[1];
  if (quoted === undefined) return undefined;
  // `-k, --key <value>`: the long name is the one the usage lists.
  const names = quoted.replace(/ <value>$/, '').split(', ');
  return names.at(-1);
}

/** `command`: how the command was invoked (`strowger peer add`), for the pointer to its --help. */
export function describeParseError(error: Error & { code?: string }, command: string): string {
  const option = optionNamed(error.message);
  const seeHelp = `(see ${command} --help)`;
  if (option === undefined) return `${error.message.split('\n')[0] ?? 'bad options'} ${seeHelp}`;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option} ${seeHelp}`;
  if (/argument missing/.test(error.message)) return `${option} needs a value ${seeHelp}`;
  if (/does not take an argument/.test(error.message)) return `${option} takes no value ${seeHelp}`;
  if (/argument is ambiguous/.test(error.message)) return `${option} needs a value; for one that starts with "-", write ${option}=VALUE ${seeHelp}`;
  return `${option}: ${error.message.split('\n')[0] ?? 'not understood'} ${seeHelp}`;
}
