/**
 * A tenant's IAX2 peer, user or friend: the iax.conf options Strowger supports
 * (test/fixtures/seeds/chan_iax-notes.txt), validated with zod. Secrets are stored but never
 * returned by the API; private keys are never stored, only the name of an outkey.
 */
import { z } from 'zod';

/** IAX2 names: what a USERNAME IE and an iax.conf section header can carry. */
export const PeerName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,79}$/, 'letters, digits and _ . + - (1-80, starting with a letter or digit)');

const Host = z.string().regex(/^(dynamic|[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]+)$/, '"dynamic", a host name or an IP address');
const Network = z.string().regex(/^[0-9A-Fa-f:.]+(\/[0-9A-Fa-f:.]+)?$/, 'an address, address/bits or address/netmask');
const Codec = z.enum([
  'all', 'g723', 'gsm', 'ulaw', 'alaw', 'g726aal2', 'adpcm', 'slin', 'lpc10', 'g729', 'speex', 'ilbc', 'g726', 'g722',
  'siren7', 'siren14', 'slin16', 'g719', 'speex16', 'opus', 'jpeg', 'png', 'h261', 'h263', 'h263p', 'h264', 'mpeg4', 'vp8', 'red', 't140',
]);

/** The peer's fields, without the cross-field rules: the API derives its body schemas from these. */
export const PeerFields = z.object({
  name: PeerName,
  tenant: z.string().min(1),
  type: z.enum(['user', 'peer', 'friend']),
  host: Host.optional(),
  defaultip: z.string().optional(),
  port: z.number().int().min(1).max(65535).default(4569),
  /** The name we log in as when calling this peer (`username=`). */
  username: z.string().optional(),
  /** Several `secret=` lines; a peer uses the last, a user accepts any (protocol.md §8.5). */
  secrets: z.array(z.string().min(1)).default([]),
  dbsecret: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'family/key').optional(),
  auth: z.array(z.enum(['plaintext', 'md5', 'rsa'])).optional(),
  /** Names of public keys (`inkeys=a:b:c`), tried in order. */
  inkeys: z.array(z.string().min(1)).default([]),
  /** The PEM text of those public keys, by name (BEGIN PUBLIC KEY, 1024-bit). */
  publicKeys: z.record(z.string(), z.string().includes('BEGIN PUBLIC KEY', { message: 'a PEM public key' })).default({}),
  /** The name of a private key held elsewhere (`outkey=`); never the key itself. */
  outkey: z.string().optional(),
  contexts: z.array(z.string().min(1)).default([]),
  peercontext: z.string().optional(),
  callerid: z.object({ name: z.string().optional(), number: z.string().optional() }).optional(),
  trunk: z.boolean().default(false),
  trunktimestamps: z.boolean().default(false),
  /** `qualify=yes` is 2000 ms; false for `no`. */
  qualify: z.union([z.literal(false), z.number().int().min(1).max(60_000)]).default(false),
  qualifysmoothing: z.boolean().default(false),
  qualifyfreqok: z.number().int().min(1000).default(60_000),
  qualifyfreqnotok: z.number().int().min(1000).default(10_000),
  encryption: z.boolean().default(false),
  forceencryption: z.boolean().default(false),
  requirecalltoken: z.enum(['yes', 'no', 'auto']).default('yes'),
  /** `disallow=`/`allow=` in order, e.g. ['all', '+ulaw'] is written as disallow=all, allow=ulaw. */
  codecs: z.array(z.object({ allow: z.boolean(), codec: Codec })).default([]),
  codecpriority: z.enum(['caller', 'host', 'disabled', 'reqonly']).default('host'),
  acl: z.array(z.object({ action: z.enum(['permit', 'deny']), network: Network })).default([]),
  accountcode: z.string().max(80).optional(),
  amaflags: z.enum(['default', 'omit', 'billing', 'documentation']).optional(),
  language: z.string().max(20).optional(),
  regexten: z.string().optional(),
  mailbox: z.string().optional(),
  description: z.string().max(200).optional(),
  sendani: z.boolean().default(false),
  connectedline: z.enum(['yes', 'no', 'send', 'receive']).default('no'),
  transfer: z.enum(['yes', 'no', 'mediaonly']).default('yes'),
  maxcallnumbers: z.number().int().min(1).max(32_768).optional(),
  /** Platform limits per peer: concurrent calls and new calls per second. */
  maxcalls: z.number().int().min(1).optional(),
  callsPerSecond: z.number().positive().optional(),
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
