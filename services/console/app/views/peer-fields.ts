/**
 * A peer as the form holds it, in iax.conf's words (`context=a,b`, `allow=ulaw,alaw`,
 * `qualify=yes`), and the API's JSON both ways. The form does not judge the values: the API
 * does, and its message for a field (named as the API names it: `contexts.0`, `secrets`) is
 * shown beside the iax.conf word that wrote it.
 */
import type { Peer } from '../api/types.ts';

export interface PeerForm {
  name: string;
  type: string;
  host: string;
  port: string;
  secret: string;
  auth: string[];
  context: string;
  username: string;
  qualify: string;
  trunk: boolean;
  encryption: boolean;
  requirecalltoken: string;
  allow: string;
  description: string;
}

export const NEW_PEER: PeerForm = {
  name: '', type: 'friend', host: 'dynamic', port: '4569', secret: '', auth: ['md5'], context: '', username: '',
  qualify: 'yes', trunk: false, encryption: false, requirecalltoken: 'yes', allow: '', description: '',
};

export function formOf(peer: Peer): PeerForm {
  const allowed = peer.codecs.filter((c) => c.allow).map((c) => c.codec);
  return {
    name: peer.name,
    type: peer.type,
    host: peer.host ?? '',
    port: String(peer.port),
    secret: '',
    auth: peer.auth ?? [],
    context: peer.contexts.join(','),
    username: peer.username ?? '',
    qualify: peer.qualify === false ? 'no' : peer.qualify === 2000 ? 'yes' : String(peer.qualify),
    trunk: peer.trunk,
    encryption: peer.encryption,
    requirecalltoken: peer.requirecalltoken,
    allow: allowed.join(','),
    description: peer.description ?? '',
  };
}

const list = (text: string): string[] => text.split(/[,:&]/).map((s) => s.trim()).filter((s) => s !== '');

/** `qualify=yes` is 2000 ms as in Asterisk; anything that is not yes, no or digits goes as written, for the API to refuse. */
function qualifyValue(text: string): number | false | string {
  const t = text.trim().toLowerCase();
  if (t === 'yes') return 2000;
  if (t === 'no' || t === '') return false;
  return /^\d+$/.test(t) ? Number(t) : text;
}

/** The JSON body for POST (with name) or PATCH (without); a blank secret keeps the stored ones. */
export function bodyOf(form: PeerForm, creating: boolean): Record<string, unknown> {
  const optional = (value: string): string | undefined => (value.trim() === '' ? undefined : value.trim());
  const allow = list(form.allow);
  const body: Record<string, unknown> = {
    type: form.type,
    host: optional(form.host),
    port: /^\d+$/.test(form.port.trim()) ? Number(form.port) : form.port,
    auth: form.auth.length === 0 ? undefined : form.auth,
    contexts: list(form.context),
    username: optional(form.username),
    qualify: qualifyValue(form.qualify),
    trunk: form.trunk,
    encryption: form.encryption,
    requirecalltoken: form.requirecalltoken,
    codecs: allow.length === 0 ? [] : [{ allow: false, codec: 'all' }, ...allow.map((codec) => ({ allow: true, codec }))],
    description: optional(form.description),
  };
  if (creating) body.name = form.name.trim();
  if (form.secret !== '') body.secrets = [form.secret];
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

/** The form field an API field name belongs to (`contexts.0` → context). */
export function formFieldOf(apiField: string | undefined): keyof PeerForm | undefined {
  const head = apiField?.split('.')[0];
  switch (head) {
    case undefined: return undefined;
    case 'secrets': return 'secret';
    case 'contexts': return 'context';
    case 'codecs': return 'allow';
    default: return head in NEW_PEER ? (head as keyof PeerForm) : undefined;
  }
}
