/** `strowger peer add|get|list|set|rm|keygen`: a tenant's peers, in iax.conf's words. */
import { chmodSync, writeFileSync } from 'node:fs';
import { CliError } from '../api-client.ts';
import { plainTable } from '../asterisk-tables.ts';
import type { CommandContext } from '../cli-context.ts';
import { ExitCode } from '../io.ts';
import { commandGroup } from './subcommands.ts';
import { parsePeerOptions } from './peer-options.ts';

const usage = `Usage: strowger peer add NAME OPTION=VALUE... [--tenant T] [--json]
       strowger peer get NAME [--tenant T] [--json]
       strowger peer list [--tenant T] [--json]
       strowger peer set NAME OPTION=VALUE... [--tenant T] [--json]
       strowger peer rm NAME [--tenant T]
       strowger peer keygen NAME [--key-name K] [--passphrase-env VAR] [--out FILE] [--tenant T]
Options are iax.conf's: type=friend host=dynamic auth=md5 secret=- context=fromiax qualify=yes
trunk=yes allow=ulaw ... (secret=- reads the secret from standard input). keygen makes a
1024-bit RSA pair, stores the public key as one of the peer's inkeys and prints the private
key (or writes it to FILE, mode 0600), 3DES-encrypted with the passphrase in $VAR if given.`;

interface PeerView {
  name: string;
  type: string;
  host?: string;
  port: number;
  username?: string;
  secretCount: number;
  dbsecret?: string;
  auth?: string[];
  inkeys: string[];
  outkey?: string;
  contexts: string[];
  peercontext?: string;
  callerid?: { name?: string; number?: string };
  trunk: boolean;
  qualify: number | false;
  encryption: boolean;
  forceencryption: boolean;
  requirecalltoken: string;
  codecs: Array<{ allow: boolean; codec: string }>;
  codecpriority: string;
  acl: Array<{ action: string; network: string }>;
  description?: string;
  version: number;
}

/** Like Asterisk's `iax2 show peer NAME`. */
function showPeer(peer: PeerView): string {
  const row = (label: string, value: string): string => `  ${label.padEnd(13)}: ${value}`;
  const callerid = peer.callerid === undefined ? '"" <>' : `"${peer.callerid.name ?? ''}" <${peer.callerid.number ?? ''}>`;
  return [
    '',
    `  * Name       : ${peer.name}`,
    row('Description', peer.description ?? ''),
    row('Type', peer.type),
    row('Secret', peer.secretCount > 0 ? '<Set>' : peer.dbsecret === undefined ? '<Not set>' : `<dbsecret ${peer.dbsecret}>`),
    row('Username', peer.username ?? ''),
    row('Context', peer.contexts.join(',')),
    row('Peer Context', peer.peercontext ?? ''),
    row('Callerid', callerid),
    row('Auth', (peer.auth ?? []).join(',')),
    row('InKeys', peer.inkeys.join(':')),
    row('OutKey', peer.outkey ?? ''),
    row('Encryption', peer.forceencryption ? 'aes128 (forced)' : peer.encryption ? 'aes128' : 'No'),
    row('Dynamic', peer.host === 'dynamic' ? 'Yes' : 'No'),
    row('Addr->IP', `${peer.host ?? '(Unspecified)'} Port ${peer.port}`),
    row('Trunk', peer.trunk ? 'Yes' : 'No'),
    row('Codecs', peer.codecs.map((c) => `${c.allow ? '+' : '-'}${c.codec}`).join(' ') || '(default)'),
    row('Codec Order', peer.codecpriority),
    row('ACL', peer.acl.map((a) => `${a.action} ${a.network}`).join(', ') || 'No'),
    row('Calltoken', peer.requirecalltoken),
    row('Qualify', peer.qualify === false ? 'No' : `${peer.qualify} ms`),
    row('Version', String(peer.version)),
    '',
  ].join('\n');
}

async function getPeer(ctx: CommandContext, name: string): Promise<PeerView> {
  return (await ctx.client.request<PeerView>('GET', ctx.tenantPath('peers', name))).body;
}

export const peerCommand = commandGroup('peer', usage, {
  add: {
    async run(ctx) {
      const name = ctx.arg(0, 'the peer name');
      const { peer } = await parsePeerOptions(ctx.io, name, ctx.positionals.slice(1));
      const { tenant: _t, ...body } = peer;
      const created = (await ctx.client.request<PeerView>('POST', ctx.tenantPath('peers'), { body })).body;
      if (ctx.json) ctx.printJson(created);
      else ctx.print(`peer ${created.name} created (version ${created.version})`);
    },
  },
  get: {
    async run(ctx) {
      const peer = await getPeer(ctx, ctx.arg(0, 'the peer name'));
      if (ctx.json) ctx.printJson(peer);
      else ctx.print(showPeer(peer));
    },
  },
  list: {
    async run(ctx) {
      const peers = await ctx.client.all<PeerView>(ctx.tenantPath('peers'));
      if (ctx.json) ctx.printJson(peers);
      else {
        ctx.print(plainTable(
          ['Name', 'Type', 'Host', 'Port', 'Auth', 'Context', 'Qualify', 'Trunk'],
          peers.map((p) => [p.name, p.type, p.host ?? '', String(p.port), (p.auth ?? []).join(','), p.contexts.join(','), p.qualify === false ? 'no' : `${p.qualify}`, p.trunk ? 'yes' : 'no']),
        ));
      }
    },
  },
  set: {
    async run(ctx) {
      const name = ctx.arg(0, 'the peer name');
      const options = ctx.positionals.slice(1);
      if (options.length === 0) throw new CliError(`name at least one OPTION=VALUE to set\n${usage}`, ExitCode.USAGE);
      const current = await getPeer(ctx, name);
      // The current type and host keep the importer's peer-level checks meaningful.
      const base = [`type=${current.type}`, ...(current.host === undefined ? [] : [`host=${current.host}`])];
      const { peer, fields } = await parsePeerOptions(ctx.io, name, options, base);
      const body = Object.fromEntries([...fields].map((field) => [field, peer[field]]));
      const updated = (await ctx.client.request<PeerView>('PATCH', ctx.tenantPath('peers', name), { body, headers: { 'if-match': `"${current.version}"` } })).body;
      if (ctx.json) ctx.printJson(updated);
      else ctx.print(`peer ${name} updated (version ${updated.version})`);
    },
  },
  rm: {
    async run(ctx) {
      const name = ctx.arg(0, 'the peer name');
      await ctx.client.request('DELETE', ctx.tenantPath('peers', name));
      ctx.print(`peer ${name} removed`);
    },
  },
  keygen: {
    options: { 'key-name': { type: 'string' }, 'passphrase-env': { type: 'string' }, out: { type: 'string' } },
    async run(ctx) {
      const name = ctx.arg(0, 'the peer name');
      const passphraseEnv = ctx.str('passphrase-env');
      const passphrase = passphraseEnv === undefined ? undefined : ctx.io.env[passphraseEnv];
      if (passphraseEnv !== undefined && (passphrase === undefined || passphrase === '')) throw new CliError(`--passphrase-env ${passphraseEnv}: that variable is empty`, ExitCode.USAGE);
      const body = { ...(ctx.str('key-name') === undefined ? {} : { name: ctx.str('key-name') }), ...(passphrase === undefined ? {} : { passphrase }) };
      const made = (await ctx.client.request<{ keyName: string; privateKey: string; publicKey: string; encrypted: boolean }>('POST', ctx.tenantPath('peers', name, 'keys'), { body })).body;
      const out = ctx.str('out');
      if (out !== undefined) {
        writeFileSync(out, made.privateKey, { mode: 0o600 });
        chmodSync(out, 0o600);
      }
      if (ctx.json) ctx.printJson(out === undefined ? made : { ...made, privateKey: `(written to ${out})` });
      else if (out === undefined) ctx.print(made.privateKey);
      ctx.io.stderr.write(`public key stored on ${name} as inkeys=${made.keyName}; the private key is not kept anywhere${out === undefined ? '' : ` (written to ${out})`}\n`);
    },
  },
});
