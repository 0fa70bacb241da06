/**
 * Runs a command group (`strowger peer add ...`): picks the subcommand, parses options into
 * a CommandContext, and turns a CliError into its message on stderr and its exit status.
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
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      (sub === undefined ? io.stderr : io.stdout).write(`${usage}\n`);
      return sub === undefined ? ExitCode.USAGE : ExitCode.OK;
    }
    const command = subcommands[sub];
    if (command === undefined) {
      io.stderr.write(`strowger ${name}: unknown subcommand "${sub}"\n${usage}\n`);
      return ExitCode.USAGE;
    }
    try {
      const ctx = CommandContext.parse(io, rest, command.options ?? {}, usage);
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
