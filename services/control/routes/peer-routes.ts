/**
 * Peers of a tenant. Secrets are accepted and never returned (responses say how many there
 * are); replacing and patching need `If-Match` with the version, and keep the stored secrets
 * when the body sends none, since a client never sees them to send back.
 */
import type { AllowedNetworks } from '../../../shared/model/peer-address-policy.ts';
import type { Registration } from '../../../shared/model/registration.ts';
import type { PeerRecord } from '../../../shared/store/peers-table.ts';
import type { Stores } from '../../../shared/store/stores.ts';
import { generateRsaKeyPair } from '../../iax2/crypto/rsa-keys.ts';
import { ApiError, notFound } from '../http/api-error.ts';
import { KeygenBody, KeygenResult, PeerCreateBody, PeerListQuery, PeerPage, PeerPatchBody, PeerReplaceBody, PeerStatus, PublicPeer } from '../http/api-schemas.ts';
import type { Router } from '../http/router.ts';
import { IF_MATCH_HEADER, ifMatch, optionalIfMatch, param, sentKeys, tenantScope } from './access.ts';
import { checkPeerHosts } from './peer-hosts.ts';

/** A peer as the API shows it: no secrets, ever. */
export function publicPeer(record: PeerRecord): Omit<PeerRecord, 'secrets'> & { secretCount: number } {
  const { secrets, ...rest } = record;
  return { ...rest, secretCount: secrets.length };
}

/** A peer's registration as `iax2 show peer` would tell it: live, lapsed (UNREACHABLE) or none. */
export function peerStatus(name: string, registration: Registration | undefined, now: number) {
  if (registration === undefined) return { name, registered: false, qualify: { status: 'UNKNOWN' as const } };
  const { address, port, registeredAt, expiresAt, expiredAt, refreshS, workerId } = registration;
  const live = expiredAt === undefined && expiresAt > now;
  return {
    name,
    registered: live,
    address, port, registeredAt, expiresAt, refreshS, workerId,
    ...(expiredAt === undefined ? {} : { expiredAt }),
    qualify: live ? (registration.qualify ?? { status: 'UNKNOWN' as const }) : { status: 'UNREACHABLE' as const },
  };
}

const etag = (record: PeerRecord): Record<string, string> => ({ etag: `"${record.version}"` });

/** `allowedHosts`: the operator's networks static hosts may be in although internal (peer-hosts.ts). */
export function peerRoutes(router: Router, stores: Pick<Stores, 'peers' | 'registrations' | 'tenants'>, now: () => number, allowedHosts: AllowedNetworks): void {
  const { peers, registrations, tenants } = stores;
  const load = async (tenant: string, name: string): Promise<PeerRecord> => {
    const record = await peers.get(name, tenant);
    if (record === undefined) throw notFound(`peer "${name}"`);
    return record;
  };
  const configOf = ({ version: _v, updatedAt: _u, ...config }: PeerRecord) => config;
  const path = '/v1/tenants/{tenant}/peers/{name}';

  router
    .add({
      method: 'POST', path: '/v1/tenants/{tenant}/peers', summary: 'Create a peer, user or friend',
      body: PeerCreateBody,
      response: { status: 201, description: 'The peer (ETag: its version)', schema: PublicPeer },
      handler: async (req) => {
        const tenant = tenantScope(req);
        checkPeerHosts(req.body, allowedHosts);
        const limit = (await tenants.get(tenant))?.limits.maxPeers;
        if (limit === undefined) throw notFound(`tenant "${tenant}"`);
        if ((await peers.countByTenant(tenant)) >= limit) {
          throw new ApiError('STROWGER_ERR_LIMIT', `tenant "${tenant}" has reached its limit of ${limit} peers`, 409);
        }
        const created = await peers.create({ ...req.body, tenant });
        return { statusCode: 201, body: publicPeer(created), headers: etag(created) };
      },
    })
    .add({
      method: 'GET', path: '/v1/tenants/{tenant}/peers', summary: 'List the tenant\'s peers, a page at a time',
      query: PeerListQuery,
      response: { status: 200, description: 'A page of peers (with status=true, each with its registration status)', schema: PeerPage },
      handler: async (req) => {
        const { status, ...paging } = req.query;
        const page = await peers.listByTenant(tenantScope(req), paging);
        const statuses = status === true ? await registrations.getMany(page.items.map((p) => p.name)) : undefined;
        const items = page.items.map((record) => ({
          ...publicPeer(record),
          ...(statuses === undefined ? {} : { status: peerStatus(record.name, statuses.get(record.name), now()) }),
        }));
        return { statusCode: 200, body: { items, ...(page.cursor === undefined ? {} : { cursor: page.cursor }) } };
      },
    })
    .add({
      method: 'GET', path, summary: 'Get a peer',
      response: { status: 200, description: 'The peer (ETag: its version)', schema: PublicPeer },
      handler: async (req) => {
        const record = await load(tenantScope(req), param(req, 'name'));
        return { statusCode: 200, body: publicPeer(record), headers: etag(record) };
      },
    })
    .add({
      method: 'PUT', path, summary: 'Replace a peer (the stored secrets stay when none are sent)',
      body: PeerReplaceBody, headers: [IF_MATCH_HEADER],
      response: { status: 200, description: 'The peer', schema: PublicPeer },
      handler: async (req) => {
        const tenant = tenantScope(req);
        const version = ifMatch(req);
        checkPeerHosts(req.body, allowedHosts);
        const current = await load(tenant, param(req, 'name'));
        const replaced = await peers.replace({ ...req.body, name: current.name, tenant, secrets: req.body.secrets ?? current.secrets }, version);
        return { statusCode: 200, body: publicPeer(replaced), headers: etag(replaced) };
      },
    })
    .add({
      method: 'PATCH', path, summary: 'Change some of a peer\'s options',
      body: PeerPatchBody, headers: [IF_MATCH_HEADER],
      response: { status: 200, description: 'The peer', schema: PublicPeer },
      handler: async (req) => {
        const tenant = tenantScope(req);
        const version = ifMatch(req);
        const current = await load(tenant, param(req, 'name'));
        // Only the fields the client sent: the schema's defaults must not reset the others.
        const sent = sentKeys(req.rawBody);
        const changes = Object.fromEntries(Object.entries(req.body).filter(([key]) => sent.has(key)));
        const config = { ...configOf(current), ...changes, name: current.name, tenant };
        checkPeerHosts(config, allowedHosts);
        const patched = await peers.replace(config, version);
        return { statusCode: 200, body: publicPeer(patched), headers: etag(patched) };
      },
    })
    .add({
      method: 'DELETE', path, summary: 'Delete a peer (its registration and astdb secret go with it)',
      headers: [{ ...IF_MATCH_HEADER, required: false }],
      response: { status: 204, description: 'Deleted' },
      handler: async (req) => {
        await peers.delete(param(req, 'name'), tenantScope(req), optionalIfMatch(req));
        return { statusCode: 204 };
      },
    })
    .add({
      method: 'GET', path: `${path}/status`, summary: 'Registration and qualify status (iax2 show peer)',
      response: { status: 200, description: 'Where the peer is registered, and how it answers', schema: PeerStatus },
      handler: async (req) => {
        const record = await load(tenantScope(req), param(req, 'name'));
        // The last registration even after it lapsed: the sweeper marked it UNREACHABLE.
        const registration = await registrations.get(record.name, { ignoreExpiry: true });
        return { statusCode: 200, body: peerStatus(record.name, registration, now()) };
      },
    })
    .add({
      method: 'POST', path: `${path}/keys`, summary: 'Generate an RSA key pair in Asterisk\'s format; the private key is returned once',
      body: KeygenBody,
      response: { status: 201, description: 'The key pair', schema: KeygenResult },
      handler: async (req) => {
        const current = await load(tenantScope(req), param(req, 'name'));
        const keyName = req.body.name ?? current.name;
        const { passphrase } = req.body;
        // 1024-bit, the only size Asterisk loads; traditional PEM, 3DES when a passphrase is given.
        const pair = generateRsaKeyPair(passphrase === undefined ? {} : { passphrase });
        const config = configOf(current);
        const updated = await peers.replace(
          { ...config, inkeys: [...config.inkeys.filter((k) => k !== keyName), keyName], publicKeys: { ...config.publicKeys, [keyName]: pair.publicPem } },
          current.version,
        );
        // The private key is returned this once and stored nowhere.
        return { statusCode: 201, body: { keyName, publicKey: pair.publicPem, privateKey: pair.privatePem, encrypted: passphrase !== undefined, version: updated.version } };
      },
    });
}
