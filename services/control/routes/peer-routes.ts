/**
 * Peers of a tenant. Secrets are accepted and never returned (responses say how many there
 * are); replacing and patching need `If-Match` with the version, and keep the stored secrets
 * when the body sends none, since a client never sees them to send back.
 */
import type { PeerConfigInput } from '../../../shared/model/peer.ts';
import type { PeerRecord, PeersTable } from '../../../shared/store/peers-table.ts';
import type { RegistrationsTable } from '../../../shared/store/registrations-table.ts';
import { generateRsaKeyPair } from '../../iax2/crypto/rsa-keys.ts';
import { badRequest, notFound } from '../http/api-error.ts';
import type { Router } from '../http/router.ts';
import { ifMatch, objectBody, tenantScope } from './access.ts';

/** A peer as the API shows it: no secrets, ever. */
export function publicPeer(record: PeerRecord): Omit<PeerRecord, 'secrets'> & { secretCount: number } {
  const { secrets, ...rest } = record;
  return { ...rest, secretCount: secrets.length };
}

export function peerRoutes(router: Router, peers: PeersTable, registrations: RegistrationsTable): void {
  const load = async (tenant: string, name: string): Promise<PeerRecord> => {
    const record = await peers.get(name, tenant);
    if (record === undefined) throw notFound(`peer "${name}"`);
    return record;
  };
  const etag = (record: PeerRecord): Record<string, string> => ({ etag: `"${record.version}"` });

  router
    .add('POST', '/v1/tenants/{tenant}/peers', async (req) => {
      const tenant = tenantScope(req);
      const created = await peers.create({ ...(objectBody(req) as PeerConfigInput), tenant });
      return { statusCode: 201, body: publicPeer(created), headers: etag(created) };
    })
    .add('GET', '/v1/tenants/{tenant}/peers', async (req) => {
      const tenant = tenantScope(req);
      const limit = req.query.limit === undefined ? undefined : Number(req.query.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) throw badRequest('limit must be 1..1000', 'limit');
      const page = await peers.listByTenant(tenant, { limit, cursor: req.query.cursor });
      return { statusCode: 200, body: { items: page.items.map(publicPeer), ...(page.cursor === undefined ? {} : { cursor: page.cursor }) } };
    })
    .add('GET', '/v1/tenants/{tenant}/peers/{name}', async (req) => {
      const record = await load(tenantScope(req), req.params.name ?? '');
      return { statusCode: 200, body: publicPeer(record), headers: etag(record) };
    })
    .add('PUT', '/v1/tenants/{tenant}/peers/{name}', async (req) => {
      const tenant = tenantScope(req);
      const version = ifMatch(req, true)!;
      const current = await load(tenant, req.params.name ?? '');
      const body = objectBody(req) as PeerConfigInput;
      const replaced = await peers.replace({ ...body, name: current.name, tenant, secrets: body.secrets ?? current.secrets }, version);
      return { statusCode: 200, body: publicPeer(replaced), headers: etag(replaced) };
    })
    .add('PATCH', '/v1/tenants/{tenant}/peers/{name}', async (req) => {
      const tenant = tenantScope(req);
      const version = ifMatch(req, true)!;
      const current = await load(tenant, req.params.name ?? '');
      const { version: _v, updatedAt: _u, ...config } = current;
      const patched = await peers.replace({ ...config, ...(objectBody(req) as Partial<PeerConfigInput>), name: current.name, tenant }, version);
      return { statusCode: 200, body: publicPeer(patched), headers: etag(patched) };
    })
    .add('DELETE', '/v1/tenants/{tenant}/peers/{name}', async (req) => {
      await peers.delete(req.params.name ?? '', tenantScope(req), ifMatch(req, false));
      return { statusCode: 204 };
    })
    .add('GET', '/v1/tenants/{tenant}/peers/{name}/status', async (req) => {
      const record = await load(tenantScope(req), req.params.name ?? '');
      const registration = await registrations.get(record.name);
      return {
        statusCode: 200,
        body: {
          name: record.name,
          registered: registration !== undefined,
          ...(registration === undefined
            ? {}
            : {
                address: registration.address,
                port: registration.port,
                expiresAt: registration.expiresAt,
                workerId: registration.workerId,
                qualify: registration.qualify ?? { status: 'UNKNOWN' },
              }),
        },
      };
    })
    .add('POST', '/v1/tenants/{tenant}/peers/{name}/keys', async (req) => {
      const tenant = tenantScope(req);
      const current = await load(tenant, req.params.name ?? '');
      const body = req.body === undefined || req.body === null || req.body === '' ? {} : objectBody(req);
      const keyName = typeof body.name === 'string' && body.name !== '' ? body.name : current.name;
      const passphrase = typeof body.passphrase === 'string' && body.passphrase !== '' ? body.passphrase : undefined;
      // 1024-bit, the only size Asterisk loads; traditional PEM, 3DES when a passphrase is given.
      const pair = generateRsaKeyPair(passphrase === undefined ? {} : { passphrase });
      const { version: _v, updatedAt: _u, ...config } = current;
      const updated = await peers.replace(
        { ...config, inkeys: [...config.inkeys.filter((k) => k !== keyName), keyName], publicKeys: { ...config.publicKeys, [keyName]: pair.publicPem } },
        current.version,
      );
      // The private key is returned this once and stored nowhere.
      return { statusCode: 201, body: { keyName, publicKey: pair.publicPem, privateKey: pair.privatePem, encrypted: passphrase !== undefined, version: updated.version } };
    });
}
