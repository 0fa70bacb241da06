/** `strowger show peers|registry|channels|cdrs`: Asterisk's CLI views of a tenant. */
import { parseInstant } from '../../control/http/api-schemas.ts';
import { CliError } from '../api-client.ts';
import { plainTable, showChannelsTable, showPeersTable, showRegistryTable, type ChannelRow, type PeerRow } from '../asterisk-tables.ts';
import { ExitCode } from '../io.ts';
import { commandGroup } from './subcommands.ts';

const usage = `Usage: strowger show peers [--tenant T] [--json]      like iax2 show peers
       strowger show registry [--tenant T] [--json]   peers registered to the platform
       strowger show channels [--tenant T] [--json]   calls in progress (iax2 show channels)
       strowger show cdrs [--from TIME] [--to TIME] [--limit N] [--tenant T] [--json]
TIME is ISO 8601 or epoch milliseconds; CDRs default to the last 24 hours.`;

interface CdrView {
  start: number;
  end?: number;
  src?: string;
  dst: string;
  dcontext: string;
  channel: string;
  dstchannel?: string;
  disposition?: string;
  duration?: number;
  billsec?: number;
}

const time = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ''));

export const showCommand = commandGroup('show', usage, {
  peers: {
    async run(ctx) {
      const peers = await ctx.client.all<PeerRow>(`${ctx.tenantPath('peers')}?status=true`);
      if (ctx.json) ctx.printJson(peers);
      else ctx.print(showPeersTable(peers));
    },
  },
  registry: {
    async run(ctx) {
      const peers = await ctx.client.all<PeerRow>(`${ctx.tenantPath('peers')}?status=true`);
      const registered = peers.filter((p) => p.status?.address !== undefined);
      if (ctx.json) ctx.printJson(registered.map((p) => ({ name: p.name, ...p.status })));
      else ctx.print(showRegistryTable(registered));
    },
  },
  channels: {
    async run(ctx) {
      const calls = (await ctx.client.request<{ items: ChannelRow[]; workers: { unreachable: string[] } }>('GET', ctx.tenantPath('calls'))).body;
      // An array, like every other view's --json; unreachable workers are warned about below.
      if (ctx.json) ctx.printJson(calls.items);
      else ctx.print(showChannelsTable(calls.items, Date.now()));
      if (calls.workers.unreachable.length > 0) ctx.io.stderr.write(`warning: no answer from worker(s) ${calls.workers.unreachable.join(', ')}: their calls are not listed\n`);
    },
  },
  cdrs: {
    options: { from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string' } },
    async run(ctx) {
      const query = new URLSearchParams();
      for (const name of ['from', 'to']) {
        const value = ctx.str(name);
        if (value === undefined) continue;
        if (Number.isNaN(parseInstant(value))) throw new CliError(`--${name} "${value}" is not an ISO 8601 time or epoch milliseconds`, ExitCode.USAGE);
        query.set(name, value);
      }
      const limit = ctx.int('limit') ?? 1000;
      const cdrs: CdrView[] = [];
      let cursor: string | undefined;
      do {
        if (cursor !== undefined) query.set('cursor', cursor);
        query.set('limit', String(Math.min(1000, limit - cdrs.length)));
        const page = (await ctx.client.request<{ items: CdrView[]; cursor?: string }>('GET', `${ctx.tenantPath('cdrs')}?${query.toString()}`)).body;
        cdrs.push(...page.items);
        cursor = page.cursor;
      } while (cursor !== undefined && cdrs.length < limit);
      if (ctx.json) ctx.printJson(cdrs);
      else {
        ctx.print(plainTable(
          ['Start', 'Src', 'Dst', 'Context', 'Channel', 'DstChannel', 'Disposition', 'Duration', 'Billsec'],
          cdrs.map((c) => [time(c.start), c.src ?? '', c.dst, c.dcontext, c.channel, c.dstchannel ?? '', c.disposition ?? (c.end === undefined ? 'UP' : ''), String(c.duration ?? ''), String(c.billsec ?? '')]),
        ));
        ctx.print(`${cdrs.length} CDR${cdrs.length === 1 ? '' : 's'}`);
      }
    },
  },
});
