import { decodeCommand } from './commands/decode.ts';
import { importCommand } from './commands/import.ts';
import { keyCommand } from './commands/key.ts';
import { migrateCommand } from './commands/migrate.ts';
import { peerCommand } from './commands/peer.ts';
import { routeCommand } from './commands/route.ts';
import { showCommand } from './commands/show.ts';
import { tenantCommand } from './commands/tenant.ts';
import { ExitCode, type CliIo } from './io.ts';

const usage = `Usage: strowger <command> [options]

Commands:
  tenant add|list|limits|suspend|resume   tenants and their limits (operator key)
  key add|list|revoke                     a tenant's API keys
  peer add|get|list|set|rm|keygen         peers, users and friends, in iax.conf's words
  route add|list|rm                       the tenant's dialplan
  import FILE...                          iax.conf and extensions.conf, all or nothing
  migrate FILE...                         boxes that peer today, from their own iax.conf files
  show peers|registry|channels|cdrs       Asterisk's CLI views of a tenant
  decode [--json] <hex> ...               decode IAX2 datagrams given as hex

Every API command takes --api URL (env STROWGER_API, default http://127.0.0.1:8080),
--key KEY (env STROWGER_API_KEY), --tenant T (default: a tenant key's own tenant) and
--json. Exit status: 0 done, 1 refused or bad input, 2 usage, 3 API unreachable or failing.
Run "strowger <command> --help" for a command's options.`;

type Command = (args: readonly string[], io: CliIo) => Promise<ExitCode>;

const commands: Record<string, Command> = {
  decode: decodeCommand,
  tenant: tenantCommand,
  key: keyCommand,
  peer: peerCommand,
  route: routeCommand,
  import: importCommand,
  migrate: migrateCommand,
  show: showCommand,
};

/** Runs the command line `argv` (without "node strowger") and returns the exit status. */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(`${usage}\n`);
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr.write(`strowger: unknown command "${name}"\n${usage}\n`);
    return ExitCode.USAGE;
  }
  return command(rest, io);
}
