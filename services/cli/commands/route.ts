/** `strowger route add|list|rm`: a tenant's dialplan, one pattern per context at a time. */
import { isStrowgerError } from '../../../shared/errors.ts';
import { parseDialString } from '../../../shared/iaxconf/dial-string.ts';
import { CliError } from '../api-client.ts';
import { plainTable } from '../asterisk-tables.ts';
import { ExitCode } from '../io.ts';
import { commandGroup } from './subcommands.ts';

const usage = `Usage: strowger route add CONTEXT PATTERN DIALSTRING... [--timeout S] [--force] [--tenant T] [--json]
       strowger route list [--context C] [--tenant T] [--json]
       strowger route rm CONTEXT PATTERN [--tenant T]
A PATTERN is an extension or an Asterisk _pattern (_X., _NXXNXXXXXX, _9!); each DIALSTRING is
Dial()'s IAX2/peer/\${EXTEN}, tried in order (quote them: the shell would expand \${EXTEN}).
A DIALSTRING's peer must be one of the tenant's; --force adds the route before its peer.`;

interface RouteView {
  context: string;
  pattern: string;
  version: number;
  destinations: Array<{ dial: string; timeoutS?: number }>;
}

export const routeCommand = commandGroup('route', usage, {
  add: {
    options: { timeout: { type: 'string' }, force: { type: 'boolean' } },
    async run(ctx) {
      const context = ctx.arg(0, 'the context');
      const pattern = ctx.arg(1, 'the pattern');
      const dials = ctx.positionals.slice(2);
      if (dials.length === 0) ctx.arg(2, 'a DIALSTRING');
      const timeoutS = ctx.int('timeout');
      const destinations = dials.map((dial) => {
        try {
          return { dial, target: parseDialString(dial), ...(timeoutS === undefined ? {} : { timeoutS }) };
        } catch (error) {
          if (isStrowgerError(error)) throw new CliError(error.message, ExitCode.BAD_INPUT);
          throw error;
        }
      });
      const path = `${ctx.tenantPath('routes')}${ctx.flag('force') ? '?force=true' : ''}`;
      const created = (await ctx.client.request<RouteView>('POST', path, { body: { context, pattern, destinations } })).body;
      if (ctx.json) ctx.printJson(created);
      else ctx.print(`route ${pattern}@${context} added`);
    },
  },
  list: {
    options: { context: { type: 'string' } },
    async run(ctx) {
      const context = ctx.str('context');
      const routes = await ctx.client.all<RouteView>(`${ctx.tenantPath('routes')}${context === undefined ? '' : `?context=${encodeURIComponent(context)}`}`);
      routes.sort((a, b) => a.context.localeCompare(b.context) || a.pattern.localeCompare(b.pattern));
      if (ctx.json) ctx.printJson(routes);
      else ctx.print(plainTable(['Context', 'Pattern', 'Destinations'], routes.map((r) => [r.context, r.pattern, r.destinations.map((d) => d.dial + (d.timeoutS === undefined ? '' : `,${d.timeoutS}`)).join(' | ')])));
    },
  },
  rm: {
    async run(ctx) {
      const [context, pattern] = [ctx.arg(0, 'the context'), ctx.arg(1, 'the pattern')];
      await ctx.client.request('DELETE', ctx.tenantPath('routes', context, pattern));
      ctx.print(`route ${pattern}@${context} removed`);
    },
  },
});
