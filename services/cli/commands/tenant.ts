/** `strowger tenant add|list|limits|suspend|resume` (operator key). */
import { plainTable } from '../asterisk-tables.ts';
import { CliError } from '../api-client.ts';
import type { CommandContext } from '../cli-context.ts';
import { ExitCode } from '../io.ts';
import { commandGroup } from './subcommands.ts';

const usage = `Usage: strowger tenant add ID [--name NAME] [--max-peers N] [--max-calls N] [--cps N]
       strowger tenant list [--json]
       strowger tenant limits ID [--max-peers N] [--max-calls N] [--cps N] [--json]
       strowger tenant suspend|resume ID
Tenants are managed with the operator key (--key or STROWGER_API_KEY).`;

const limitOptions = { 'max-peers': { type: 'string' }, 'max-calls': { type: 'string' }, cps: { type: 'string' } } as const;

function limitsOf(ctx: CommandContext): Record<string, number> | undefined {
  const limits: Record<string, number> = {};
  const maxPeers = ctx.int('max-peers');
  const maxCalls = ctx.int('max-calls');
  const cps = ctx.str('cps');
  if (maxPeers !== undefined) limits.maxPeers = maxPeers;
  if (maxCalls !== undefined) limits.maxConcurrentCalls = maxCalls;
  if (cps !== undefined) {
    if (!(Number(cps) > 0)) throw new CliError(`--cps "${cps}" is not a positive number`, ExitCode.USAGE);
    limits.callsPerSecond = Number(cps);
  }
  return Object.keys(limits).length === 0 ? undefined : limits;
}

interface TenantView {
  tenantId: string;
  name: string;
  status: string;
  version: number;
  limits: { maxPeers: number; maxConcurrentCalls: number; callsPerSecond: number };
}

const tenantRows = (tenants: TenantView[]): string =>
  plainTable(['Tenant', 'Name', 'Status', 'MaxPeers', 'MaxCalls', 'Calls/s'], tenants.map((t) => [t.tenantId, t.name, t.status, String(t.limits.maxPeers), String(t.limits.maxConcurrentCalls), String(t.limits.callsPerSecond)]));

async function patchTenant(ctx: CommandContext, id: string, change: Record<string, unknown>): Promise<TenantView> {
  const path = `/v1/tenants/${encodeURIComponent(id)}`;
  const current = (await ctx.client.request<TenantView>('GET', path)).body;
  return (await ctx.client.request<TenantView>('PATCH', path, { body: change, headers: { 'if-match': `"${current.version}"` } })).body;
}

export const tenantCommand = commandGroup('tenant', usage, {
  add: {
    options: { name: { type: 'string' }, ...limitOptions },
    async run(ctx) {
      const id = ctx.arg(0, 'the tenant id');
      const limits = limitsOf(ctx);
      const created = await ctx.client.request('POST', '/v1/tenants', { body: { tenantId: id, name: ctx.str('name') ?? id, ...(limits === undefined ? {} : { limits }) } });
      if (ctx.json) ctx.printJson(created.body);
      else ctx.print(`tenant ${id} created`);
    },
  },
  list: {
    async run(ctx) {
      const tenants = (await ctx.client.request<{ items: TenantView[] }>('GET', '/v1/tenants')).body.items;
      if (ctx.json) ctx.printJson(tenants);
      else ctx.print(tenantRows(tenants));
    },
  },
  limits: {
    options: limitOptions,
    async run(ctx) {
      const id = ctx.arg(0, 'the tenant id');
      const limits = limitsOf(ctx);
      const tenant = limits === undefined ? ((await ctx.client.request<TenantView>('GET', `/v1/tenants/${encodeURIComponent(id)}`)).body) : await patchTenant(ctx, id, { limits });
      if (ctx.json) ctx.printJson(tenant);
      else ctx.print(tenantRows([tenant]));
    },
  },
  suspend: {
    async run(ctx) {
      await patchTenant(ctx, ctx.arg(0, 'the tenant id'), { status: 'suspended' });
      ctx.print(`tenant ${ctx.arg(0, 'the tenant id')} suspended: its keys stop working`);
    },
  },
  resume: {
    async run(ctx) {
      await patchTenant(ctx, ctx.arg(0, 'the tenant id'), { status: 'active' });
      ctx.print(`tenant ${ctx.arg(0, 'the tenant id')} active`);
    },
  },
});
