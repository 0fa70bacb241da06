/**
 * What a mesh NEW tells the worker that holds the destination box's flow (docs/architecture.md
 * §6), beside the ordinary NEW IEs (CALLED_NUMBER and CALLED_CONTEXT for the box, the caller
 * ID, the formats offered): VARIABLE IEs (`name=value`, as Asterisk's IAXVAR passes channel
 * variables) naming the tenant, the destination peer, the dial string's own login if it had
 * one, the ingress worker, and the CDR the call is recorded under. The mesh user's own name
 * is not a valid peer name, so it can never be a tenant's.
 */
import { IeId, type Ie } from '../../iax2/codec/index.ts';

/** The USERNAME mesh legs authenticate as. */
export const MESH_USER = 'strowger:mesh';

export interface MeshRequest {
  tenant: string;
  /** The tenant's peer to call over its own flow. */
  peer: string;
  /** Dial()'s `user[:secret]@` for this destination, when the route gave one. */
  user?: string;
  secret?: string;
  ingressWorker: string;
  /** The ingress worker's CDR for this call: the owner adds the far leg's quality to it. */
  cdr: { start: number; callId: string };
}

const NAMES = {
  tenant: 'STROWGER_TENANT',
  peer: 'STROWGER_PEER',
  user: 'STROWGER_USER',
  secret: 'STROWGER_SECRET',
  ingressWorker: 'STROWGER_INGRESS',
  cdr: 'STROWGER_CDR',
} as const;

export function meshRequestIes(request: MeshRequest): Ie[] {
  const variable = (name: string, value: string): Ie => ({ id: IeId.VARIABLE, value: `${name}=${value}` });
  const ies = [
    variable(NAMES.tenant, request.tenant),
    variable(NAMES.peer, request.peer),
    variable(NAMES.ingressWorker, request.ingressWorker),
    variable(NAMES.cdr, `${request.cdr.start}/${request.cdr.callId}`),
  ];
  if (request.user !== undefined) ies.push(variable(NAMES.user, request.user));
  if (request.secret !== undefined) ies.push(variable(NAMES.secret, request.secret));
  return ies;
}

/** The request a mesh NEW's VARIABLEs carry, or a reason it is not one. */
export function readMeshRequest(variables: ReadonlyMap<string, string>): MeshRequest | string {
  const tenant = variables.get(NAMES.tenant);
  const peer = variables.get(NAMES.peer);
  const ingressWorker = variables.get(NAMES.ingressWorker);
  const cdr = /^(\d{1,15})\/(.{1,200})$/.exec(variables.get(NAMES.cdr) ?? '');
  if (tenant === undefined || tenant === '' || peer === undefined || peer === '' || ingressWorker === undefined || cdr === null) {
    return `a mesh NEW without ${[tenant ? '' : 'tenant', peer ? '' : 'peer', ingressWorker ? '' : 'ingress worker', cdr ? '' : 'CDR'].filter(Boolean).join(', ')}`;
  }
  const request: MeshRequest = { tenant, peer, ingressWorker, cdr: { start: Number(cdr[1]), callId: cdr[2]! } };
  const user = variables.get(NAMES.user);
  const secret = variables.get(NAMES.secret);
  if (user !== undefined) request.user = user;
  if (secret !== undefined) request.secret = secret;
  return request;
}
