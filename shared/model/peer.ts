/**
 * A tenant's IAX2 peer, user or friend: the iax.conf options Strowger supports
 * (test/fixtures/seeds/chan_iax-notes.txt), validated with zod. Secrets are stored but never
 * returned by the API; private keys are never stored, only the name of an outkey.
 */
import { z } from 'zod';
import { ContextName, KeyName, PeerName, Secret, Text80 } from './names.ts';
import { CallsPerSecond } from './tenant.ts';

export { PeerName } from './names.ts';

/** Static hosts are also checked against the operator's address policy (peer-address-policy.ts), which zod cannot know. */
const Host = z.string().max(255).regex(/^(dynamic|[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]+)$/, '"dynamic", a host name or an IP address');
const IpText = z.string().max(45).regex(/^[0-9A-Fa-f:.]+$/, 'an IP address');
const Network = z.string().max(100).regex(/^[0-9A-Fa-f:.]+(\/[0-9A-Fa-f:.]+)?$/, 'an address, address/bits or address/netmask');
const Codec = z.enum([
  'all', 'g723', 'gsm', 'ulaw', 'alaw', 'g726aal2', 'adpcm', 'slin', 'lpc10', 'g729', 'speex', 'ilbc', 'g726', 'g722',
  'siren7', 'siren14', 'slin16', 'g719', 'speex16', 'opus', 'jpeg', 'png', 'h261', 'h263', 'h263p', 'h264', 'mpeg4', 'vp8', 'red', 't140',
]);

/** The peer's fields, without the cross-field rules: the API derives its body schemas from these. */
export const PeerFields = z.object({
  name: PeerName,
  tenant: z.string().min(1).max(40),
  type: z.enum(['user', 'peer', 'friend']),
  host: Host.optional(),
  defaultip: IpText.optional(),
  port: z.number().int().min(1).max(65535).default(4569),
  /** The name we log in as when calling this peer (`username=`). */
  username: Text80.optional(),
  /** Several `secret=` lines; a peer uses the last, a user accepts any (protocol.md §8.5). */
  secrets: z.array(Secret).max(16, 'at most 16 secrets').default([]),
  dbsecret: z.string().regex(/^[^/\s]{1,80}\/[^/\s]{1,80}$/, 'family/key (1-80 characters each)').optional(),
  auth: z.array(z.enum(['plaintext', 'md5', 'rsa'])).max(3).optional(),
  /** Names of public keys (`inkeys=a:b:c`), tried in order. */
  inkeys: z.array(KeyName).max(16, 'at most 16 keys').default([]),
  /** The PEM text of those public keys, by name (BEGIN PUBLIC KEY, 1024-bit). */
  publicKeys: z
    .record(KeyName, z.string().max(4096).includes('BEGIN PUBLIC KEY', { message: 'a PEM public key' }))
    .refine((keys) => Object.keys(keys).length <= 16, 'at most 16 keys')
    .meta({ maxProperties: 16 })
    .default({}),
  /** The name of a private key held elsewhere (`outkey=`); never the key itself. */
  outkey: KeyName.optional(),
  contexts: z.array(ContextName).max(32, 'at most 32 contexts').default([]),
  peercontext: ContextName.optional(),
  callerid: z.object({ name: Text80.optional(), number: Text80.optional() }).optional(),
  trunk: z.boolean().default(false),
  trunktimestamps: z.boolean().default(false),
  /** `qualify=yes` is 2000 ms; false for `no`. */
  qualify: z.union([z.literal(false), z.number().int().min(1).max(60_000)], { error: 'expected false (no) or the most milliseconds a reply may take, 1 to 60000 (yes is 2000)' }).default(false),
  qualifysmoothing: z.boolean().default(false),
  qualifyfreqok: z.number().int().min(1000).max(3_600_000).default(60_000),
  qualifyfreqnotok: z.number().int().min(1000).max(3_600_000).default(10_000),
  encryption: z.boolean().default(false),
  forceencryption: z.boolean().default(false),
  requirecalltoken: z.enum(['yes', 'no', 'auto']).default('yes'),
  /** `disallow=`/`allow=` in order, e.g. ['all', '+ulaw'] is written as disallow=all, allow=ulaw. */
  codecs: z.array(z.object({ allow: z.boolean(), codec: Codec })).max(64, 'at most 64 allow/disallow entries').default([]),
  codecpriority: z.enum(['caller', 'host', 'disabled', 'reqonly']).default('host'),
  acl: z.array(z.object({ action: z.enum(['permit', 'deny']), network: Network })).max(100, 'at most 100 permit/deny entries').default([]),
  accountcode: z.string().max(80).optional(),
  amaflags: z.enum(['default', 'omit', 'billing', 'documentation']).optional(),
  language: z.string().max(20).optional(),
  regexten: Text80.optional(),
  mailbox: z.string().max(256).optional(),
  description: z.string().max(200).optional(),
  sendani: z.boolean().default(false),
  connectedline: z.enum(['yes', 'no', 'send', 'receive']).default('no'),
  transfer: z.enum(['yes', 'no', 'mediaonly']).default('yes'),
  maxcallnumbers: z.number().int().min(1).max(32_768).optional(),
  /** Platform limits per peer: concurrent calls and new calls per second. */
  maxcalls: z.number().int().min(1).max(100_000).optional(),
  callsPerSecond: CallsPerSecond.optional(),
});

export const PeerConfig = PeerFields.superRefine((peer, ctx) => {
  // A peer Strowger calls must be reachable: a static host or one that registers.
  if (peer.type !== 'user' && peer.host === undefined) {
    ctx.addIssue({ code: 'custom', path: ['host'], message: 'a peer or friend needs host= (an address, or "dynamic")' });
  }
  if (peer.forceencryption && peer.secrets.length === 0 && peer.dbsecret === undefined) {
    ctx.addIssue({ code: 'custom', path: ['forceencryption'], message: 'encryption keys come from a secret: set secret= or dbsecret=' });
  }
});
export type PeerConfig = z.infer<typeof PeerConfig>;
export type PeerConfigInput = z.input<typeof PeerConfig>;

/** zod issues as "field: rule" lines, the way every Strowger validation error reads. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(value)'}: ${issue.message}`);
}
