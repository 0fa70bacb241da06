/**
 * Runs a command group (`strowger peer add ...`): picks the subcommand, parses options into
 * a CommandContext, and turns a CliError into its message on stderr and its exit status.
 * Options may come before the subcommand too (global ones given before the command arrive
 * there, one word each: global-options.ts).
 */
import { CliError } from '../api-client.ts';
import { CommandContext, type OptionSpec } from '../cli-context.ts';
import { ExitCode, type CliIo } from '../io.ts';

export interface Subcommand {
  options?: OptionSpec;
  run(ctx: CommandContext): Promise<ExitCode | void>;
}

export function commandGroup(name: string, usage: string, subcommands: Record<string, Subcommand>) {
  return async (args: readonly string[], io: CliIo): Promise<ExitCode> => {
    const at = args.findIndex((arg) => !arg.startsWith('-'));
    const leading = at < 0 ? args : args.slice(0, at);
    const sub = at < 0 ? undefined : args[at];
    const help = leading.includes('--help') || leading.includes('-h');
    if (sub === undefined) {
      (help ? io.stdout : io.stderr).write(`${usage}\n`);
      return help ? ExitCode.OK : ExitCode.USAGE;
    }
    const command = subcommands[sub];
    if (command === undefined) {
      io.stderr.write(`strowger ${name}: unknown subcommand "${sub}"\n${usage}\n`);
      return ExitCode.USAGE;
    }
    try {
      const ctx = CommandContext.parse(io, [...leading, ...args.slice(at + 1)], command.options ?? {}, usage, `strowger ${name} ${sub}`);
      if (ctx.help) {
        io.stdout.write(`${usage}\n`);
        return ExitCode.OK;
      }
      return (await command.run(ctx)) ?? ExitCode.OK;
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      io.stderr.write(`strowger ${name} ${sub}: ${error.message}\n`);
      return error.exitCode;
    }
  };
}
