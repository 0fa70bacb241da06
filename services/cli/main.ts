import { decodeCommand } from './commands/decode.ts';
import { ExitCode, type CliIo } from './io.ts';

const usage = `Usage: strowger <command> [options]

Commands:
  decode [--json] <hex> ...   decode IAX2 datagrams given as hex

Run "strowger <command> --help" for a command's options.`;

type Command = (args: readonly string[], io: CliIo) => Promise<ExitCode>;

const commands: Record<string, Command> = {
  decode: decodeCommand,
};

/** Runs the command line `argv` (without "node strowger") and returns the exit status. */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage}\n`);
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr.write(`strowger: unknown command "${name}"\n${usage}\n`);
    return ExitCode.USAGE;
  }
  return command(rest, io);
}
