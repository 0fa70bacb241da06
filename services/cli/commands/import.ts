/**
 * `strowger import FILE...`: a tenant's iax.conf and extensions.conf, sent as one all-or-
 * nothing import. Files named *iax*.conf are iax.conf, *extensions*.conf dialplans, or say
 * --kind. Every file is read before anything is sent; progress goes to stderr.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { formatProblem } from '../../../shared/iaxconf/conf-errors.ts';
import { CliError } from '../api-client.ts';
import { CommandContext } from '../cli-context.ts';
import { ExitCode, type CliIo } from '../io.ts';

const usage = `Usage: strowger import [--tenant T] [--kind iax|extensions] [--dry-run] [--force] [--json] FILE...
Imports iax.conf peers and extensions.conf routes, all or nothing: a refused line anywhere
refuses the whole import, and every refused line is printed as file:line: reason. A Dial()
to a peer the tenant does not have (nor these files define) is refused; --force imports it
with a warning.`;

const MAX_FILE_BYTES = 512 * 1024;

interface ImportResult {
  dryRun: boolean;
  peers: { created: string[]; updated: string[] };
  routes: { created: string[]; updated: string[] };
  warnings: Array<{ file: string; line: number; reason: string }>;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function importCommand(args: readonly string[], io: CliIo): Promise<ExitCode> {
  try {
    const ctx = CommandContext.parse(io, args, { kind: { type: 'string' }, 'dry-run': { type: 'boolean' }, force: { type: 'boolean' } }, usage, 'strowger import');
    if (ctx.help) {
      io.stdout.write(`${usage}\n`);
      return ExitCode.OK;
    }
    const kind = ctx.str('kind');
    if (kind !== undefined && kind !== 'iax' && kind !== 'extensions') throw new CliError(`--kind "${kind}" is not iax or extensions`, ExitCode.USAGE);
    if (ctx.positionals.length === 0) throw new CliError(`name at least one FILE\n${usage}`, ExitCode.USAGE);
    const tenant = ctx.tenant();
    const files = ctx.positionals.map((path) => {
      try {
        if (statSync(path).size > MAX_FILE_BYTES) throw new CliError(`${path}: over ${MAX_FILE_BYTES / 1024} KiB`, ExitCode.BAD_INPUT);
        return { name: basename(path), text: readFileSync(path, 'utf8'), ...(kind === undefined ? {} : { kind }) };
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw new CliError(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, ExitCode.BAD_INPUT);
      }
    });
    const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
    const lines = files.reduce((n, f) => n + f.text.split('\n').length, 0);
    io.stderr.write(`importing ${plural(files.length, 'file')} (${plural(lines, 'line')}, ${(bytes / 1024).toFixed(1)} KiB) into ${tenant}${ctx.flag('dry-run') ? ' (dry run)' : ''}...\n`);
    const result = (await ctx.client.request<ImportResult>('POST', ctx.tenantPath('import'), { body: { files, dryRun: ctx.flag('dry-run'), ...(ctx.flag('force') ? { force: true } : {}) } })).body;
    for (const warning of result.warnings) io.stderr.write(`${formatProblem({ ...warning, reason: `warning: ${warning.reason}` })}\n`);
    if (ctx.json) ctx.printJson(result);
    else {
      const verb = result.dryRun ? 'would import' : 'imported';
      ctx.print(`${verb}: ${plural(result.peers.created.length, 'peer')} created, ${result.peers.updated.length} updated; ${plural(result.routes.created.length, 'route')} created, ${result.routes.updated.length} updated; ${plural(result.warnings.length, 'warning')}`);
    }
    return ExitCode.OK;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.stderr.write(`strowger import: ${error.message}\n`);
    return error.exitCode;
  }
}
