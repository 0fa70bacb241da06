import { CliError } from './api-client.ts';
import { takeGlobalOptions, withGlobals } from './global-options.ts';
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
--json, before the command or after it. The operator key of \`npm start\` is in
.data/operator-key. Exit status: 0 done, 1 refused or bad input, 2 usage, 3 API unreachable
or failing. Run "strowger help <command>" (or "strowger <command> --help") for its options.`;

type Command = (args: readonly string[], io: CliIo) => Promise<ExitCode>;

// Each command's module is loaded when that command runs: `decode` and `--help` then never
// evaluate the API commands' request schemas, most of the prebuilt CLI's start-up time.
const commands: Record<string, () => Promise<Command>> = {
  decode: async () => (await import('./commands/decode.ts')).decodeCommand,
  tenant: async () => (await import('./commands/tenant.ts')).tenantCommand,
  key: async () => (await import('./commands/key.ts')).keyCommand,
  peer: async () => (await import('./commands/peer.ts')).peerCommand,
  route: async () => (await import('./commands/route.ts')).routeCommand,
  import: async () => (await import('./commands/import.ts')).importCommand,
  migrate: async () => (await import('./commands/migrate.ts')).migrateCommand,
  show: async () => (await import('./commands/show.ts')).showCommand,
};

/** Runs the command line `argv` (without "node strowger") and returns the exit status. */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let split;
  try {
    split = takeGlobalOptions(argv);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.stderr.write(`strowger: ${error.message}\n`);
    return error.exitCode;
  }
  const { globals, rest: [word, ...rest] } = split;
  // `strowger help peer add` is `strowger peer add --help`.
  const [name, args] = word === 'help' && rest[0] !== undefined ? [rest[0], [...rest.slice(1), '--help']] : [word, rest];
  if (name === undefined || name === 'help') {
    const asked = name === 'help' || globals.includes('--help') || globals.includes('-h');
    (asked ? io.stdout : io.stderr).write(`${usage}\n`);
    return asked ? ExitCode.OK : ExitCode.USAGE;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (load === undefined) {
    io.stderr.write(`strowger: unknown command "${name}"\n${usage}\n`);
    return ExitCode.USAGE;
  }
  return (await load())(withGlobals(args, globals), io);
}
