/**
 * A call that reached this worker over the mesh (docs/architecture.md §6): another worker
 * routed it, and this worker holds the destination box's flow. It is checked (a well-formed
 * request; the peer is the tenant's; this worker still holds its registration), then placed as
 * one destination over the box's flow. It is never handed on again (no loops), and the
 * tenant's limits were counted once already, at the ingress.
 */
import type { RouteConfig } from '../../../shared/model/route.ts';
import type { IncomingCallInfo } from '../../iax2/engine/incoming-call.ts';
import { readMeshRequest, type MeshRequest } from '../mesh/mesh-request.ts';
import type { DestinationSources } from './destination.ts';

export type MeshArrival =
  | { ok: true; request: MeshRequest; route: RouteConfig }
  | { ok: false; why: string };

/** The one-destination route a mesh NEW asks this worker to complete, or why it cannot be. */
export async function meshArrival(info: IncomingCallInfo, sources: Pick<DestinationSources, 'peer'>): Promise<MeshArrival> {
  const request = readMeshRequest(info.variables);
  if (typeof request === 'string') return { ok: false, why: request };
  const peer = await sources.peer(request.peer);
  if (peer === undefined || peer.tenant !== request.tenant) return { ok: false, why: `no peer ${request.peer} in tenant ${request.tenant}` };
  const target = {
    peer: request.peer,
    // The number and context are final already: the ingress expanded the dial string.
    extension: info.calledNumber,
    ...(info.calledContext === undefined ? {} : { context: info.calledContext }),
    ...(request.user === undefined ? {} : { user: request.user }),
    ...(request.secret === undefined ? {} : { secret: request.secret }),
  };
  const route: RouteConfig = {
    tenant: request.tenant,
    context: 'mesh',
    pattern: info.calledNumber,
    destinations: [{ dial: `IAX2/${request.peer}/${info.calledNumber}`, target }],
  };
  return { ok: true, request, route };
}
