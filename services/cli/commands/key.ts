/** `strowger key add|list|revoke`: a tenant's API keys; `key operator`: a new operator key, offline. */
import { hashApiKey, newApiKey, OPERATOR_OWNER } from '../../control/auth/api-keys.ts';
import { plainTable } from '../asterisk-tables.ts';
import { commandGroup } from './subcommands.ts';

const usage = `Usage: strowger key add [--tenant T] [--json]      create a key; it is printed this once
       strowger key list [--tenant T] [--json]     keys by prefix (never the keys)
       strowger key revoke ID [--tenant T]
       strowger key operator [--json]              a new operator key (stdout) and its SHA-256,
                                                   the OperatorKeyHash a deployment is given (stderr)`;

const when = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

export const keyCommand = commandGroup('key', usage, {
  add: {
    async run(ctx) {
      const created = (await ctx.client.request<{ id: string; prefix: string; key: string }>('POST', ctx.tenantPath('keys'))).body;
      if (ctx.json) ctx.printJson(created);
      else {
        ctx.print(created.key);
        ctx.io.stderr.write(`key ${created.id} for ${ctx.tenant()}: store it now, it is not shown again\n`);
      }
    },
  },
  list: {
    async run(ctx) {
      const keys = (await ctx.client.request<{ items: Array<{ id: string; prefix: string; createdAt: number; revokedAt?: number }> }>('GET', ctx.tenantPath('keys'))).body.items;
      if (ctx.json) ctx.printJson(keys);
      else ctx.print(plainTable(['Id', 'Prefix', 'Created', 'Revoked'], keys.map((k) => [k.id, `${k.prefix}...`, when(k.createdAt), when(k.revokedAt)])));
    },
  },
  operator: {
    run(ctx) {
      // Made here, never sent anywhere: only the hash goes into the deployment.
      const { key } = newApiKey(OPERATOR_OWNER);
      const hash = hashApiKey(key);
      if (ctx.json) ctx.printJson({ key, hash });
      else {
        ctx.print(key);
        ctx.io.stderr.write(`OperatorKeyHash=${hash}\nstore the key now: only its hash is kept anywhere\n`);
      }
      return Promise.resolve();
    },
  },
  revoke: {
    async run(ctx) {
      const id = ctx.arg(0, 'the key id');
      await ctx.client.request('DELETE', ctx.tenantPath('keys', id));
      ctx.print(`key ${id} revoked`);
    },
  },
});
