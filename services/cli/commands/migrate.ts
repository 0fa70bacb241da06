/**
 * `strowger migrate`: boxes that peer with each other today, moved onto the platform from their
 * own iax.conf files (services/cli/migrate/ plans it). The platform's side goes in as one
 * all-or-nothing import: first a dry run, which says what exists already (shown as a diff,
 * refused without --replace), then the import itself, told to refuse anything that exists by
 * then, so nothing is ever replaced unasked. Then each box's changes are printed, with its new
 * secret (shown this once: the platform never returns secrets).
 */
import { randomBytes } from 'node:crypto';
import { CliError } from '../api-client.ts';
import { CommandContext } from '../cli-context.ts';
import { ExitCode, type CliIo } from '../io.ts';
import { renderBoxChanges, withShownSecret } from '../migrate/box-changes.ts';
import { apiHost, boxFiles, nameAndFile, parsePlatform, readConfFile } from '../migrate/migrate-args.ts';
import { planMigration, type MigrationPlan } from '../migrate/migration-plan.ts';
import { describeProblem, MigrationRefused } from '../migrate/migration-refused.ts';
import { platformListing, type PeerShape, type RouteShape } from '../migrate/platform-listing.ts';

const usage = `Usage: strowger migrate FILE... [--box NAME=FILE]... [--extensions NAME=FILE]...
         [--platform HOST[:PORT]] [--auth md5|plaintext] [--keep-secrets] [--replace] [--dry-run]
         [--tenant T] [--json]
Moves boxes that peer with each other today onto the platform, from each box's own iax.conf
(one FILE per box, each with sections for the others): one peer per box (type=friend,
host=dynamic, a new secret, auth=md5, the link's codec, trunk and qualify options), routes for
the numbers each box dialled the others with, and for each box the lines to change: register =>,
a [strowger] section in place of its sections for the other boxes, Dial(IAX2/strowger/...).
A box is named by --box NAME=FILE, else by the other files: [B] with username=A in one file and
[A] with username=B in another make them boxes A and B. --extensions NAME=FILE gives box NAME's
extensions.conf: its Dial()s to the other boxes become the platform's routes (without it the box
dials the numbers it did before). --platform: where the boxes register (default: the API's host).
A peer or route that exists already is refused unless --replace; --dry-run writes nothing.
(For files written as the platform's view of your boxes, use strowger import.)`;

interface ImportResult {
  peers: { created: string[]; updated: string[] };
  routes: { created: string[]; updated: string[] };
  warnings: Array<{ file: string; line: number; reason: string }>;
}

const OPTIONS = {
  box: { type: 'string', multiple: true },
  extensions: { type: 'string', multiple: true },
  platform: { type: 'string' },
  auth: { type: 'string' },
  'keep-secrets': { type: 'boolean' },
  replace: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
} as const;

/** 144 random bits, in characters that need no quoting in a register => line or a section. */
const newSecret = (): string => randomBytes(18).toString('base64url');

export async function migrateCommand(args: readonly string[], io: CliIo): Promise<ExitCode> {
  try {
    const ctx = CommandContext.parse(io, args, OPTIONS, usage, 'strowger migrate');
    if (ctx.help) {
      io.stdout.write(`${usage}\n`);
      return ExitCode.OK;
    }
    const tenant = ctx.tenant();
    const auth = ctx.str('auth') ?? 'md5';
    if (auth !== 'md5' && auth !== 'plaintext') throw new CliError(`--auth "${auth}" is not md5 or plaintext\n${usage}`, ExitCode.USAGE);
    const platform = parsePlatform(ctx.str('platform') ?? apiHost(ctx.client.baseUrl), usage);
    const files = boxFiles(ctx.positionals, ctx.strs('box').map((v) => nameAndFile('box', v, usage)), usage);
    if (files.length < 2) throw new CliError(`name the iax.conf of at least two boxes that peer with each other\n${usage}`, ExitCode.USAGE);
    const extensions = ctx.strs('extensions').map((v) => nameAndFile('extensions', v, usage));
    const plan = planOrRefuse({
      iax: files.map((f) => ({ ...f, text: readConfFile(f.file) })),
      extensions: extensions.map((e) => ({ box: e.name, file: e.file, text: readConfFile(e.file) })),
      platform,
      auth,
      newSecret,
      keepSecrets: ctx.flag('keep-secrets'),
    });
    for (const warning of plan.warnings) io.stderr.write(`${describeProblem({ ...warning, reason: `warning: ${warning.reason}` })}\n`);
    for (const note of plan.notes) io.stderr.write(`note: ${note}\n`);

    const dryRun = ctx.flag('dry-run');
    const replace = ctx.flag('replace');
    const send = (body: { dryRun: boolean; ifExists: 'replace' | 'refuse' }) =>
      ctx.client.request<ImportResult>('POST', ctx.tenantPath('import'), { body: { files: plan.importFiles, ...body } }).then((r) => r.body);
    const check = await send({ dryRun: true, ifExists: 'replace' });
    const listing = await listPlatform(ctx, tenant, plan, check);
    const existing = [...check.peers.updated.map((n) => `peer ${n}`), ...check.routes.updated.map((r) => `route ${r}`)];
    if (!ctx.json) ctx.print(listing);
    if (existing.length > 0 && !replace) {
      throw new CliError(`refused: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} on tenant ${tenant}; nothing was written. --replace replaces ${existing.length === 1 ? 'it' : 'them'} (see the listing)`, ExitCode.BAD_INPUT);
    }
    if (!dryRun) {
      const done = await send({ dryRun: false, ifExists: replace ? 'replace' : 'refuse' });
      for (const warning of done.warnings) io.stderr.write(`${describeProblem({ ...warning, reason: `warning: ${warning.reason}` })}\n`);
    }
    const boxes = dryRun ? plan.boxes.map((b) => withShownSecret(b, '<new secret>')) : plan.boxes;
    if (ctx.json) {
      ctx.printJson({
        tenant,
        dryRun,
        peers: { created: check.peers.created, replaced: check.peers.updated },
        routes: { created: check.routes.created, replaced: check.routes.updated },
        boxes,
      });
    } else {
      ctx.print(dryRun ? '\ndry run: nothing was written. Each box would change as follows.\n' : `\ndone: ${plural(check.peers.created.length + check.peers.updated.length, 'peer')} and ${plural(check.routes.created.length + check.routes.updated.length, 'route')} on the platform. Now change each box:\n`);
      ctx.print(boxes.map(renderBoxChanges).join('\n\n'));
    }
    if (!dryRun) io.stderr.write('the secrets above are shown this once: the platform never returns them\n');
    return ExitCode.OK;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.stderr.write(`strowger migrate: ${error.message}\n`);
    return error.exitCode;
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function planOrRefuse(input: Parameters<typeof planMigration>[0]): MigrationPlan {
  try {
    return planMigration(input);
  } catch (error) {
    if (error instanceof MigrationRefused) throw new CliError(`nothing was migrated:\n${error.message}`, ExitCode.BAD_INPUT);
    throw error;
  }
}

/** The listing, with what exists now read back for every peer and route the dry run says it would replace. */
async function listPlatform(ctx: CommandContext, tenant: string, plan: MigrationPlan, check: ImportResult): Promise<string> {
  const peers = await Promise.all(plan.peers.map(async (p) => ({
    name: p.name,
    planned: p.peer,
    ...(check.peers.updated.includes(p.name) ? { current: (await ctx.client.request<PeerShape & { secretCount: number }>('GET', ctx.tenantPath('peers', p.name))).body } : {}),
  })));
  const routes = await Promise.all(plan.routes.map(async (r) => ({
    planned: r,
    ...(check.routes.updated.includes(`${r.pattern}@${r.context}`) ? { current: (await ctx.client.request<RouteShape>('GET', ctx.tenantPath('routes', r.context, r.pattern))).body } : {}),
  })));
  return platformListing({ tenant, peers, routes });
}
