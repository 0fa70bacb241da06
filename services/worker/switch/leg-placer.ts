/**
 * Places a bridge's outbound leg where the destination can be reached: straight to the box
 * from this worker's IAX2 socket (its own flow, or a static host), or, when another worker
 * holds the box's flow, to that worker over the mesh (docs/architecture.md §6), which places
 * the last leg over the box's flow. The mesh leg carries the box's number, context and caller
 * ID in the ordinary NEW IEs and the rest in VARIABLEs; never the peer's own secret (the owner
 * reads it from the store), only a login the route's dial string spelled out itself.
 */
import type { DialTarget } from '../../../shared/iaxconf/dial-string.ts';
import type { Call } from '../../iax2/call/call.ts';
import type { Iax2Engine } from '../../iax2/engine/engine.ts';
import type { OutboundCallOptions } from '../../iax2/engine/outbound-setup.ts';
import { meshRequestIes } from '../mesh/mesh-request.ts';
import type { MeshNode } from '../mesh/mesh-node.ts';
import type { ResolvedDestination } from './destination.ts';

/** What the mesh leg must tell the owner about the call it belongs to. */
export interface MeshContext {
  tenant: string;
  target: DialTarget;
  cdr: { start: number; callId: string };
}

export class LegPlacer {
  constructor(
    private readonly engine: Iax2Engine,
    private readonly mesh: MeshNode | undefined,
    private readonly workerId: string,
  ) {}

  place(resolved: ResolvedDestination & { ok: true }, options: OutboundCallOptions, context: MeshContext): Call {
    const owner = resolved.owner;
    if (owner !== undefined && this.mesh !== undefined) {
      const { username: _username, secret: _secret, outkey: _outkey, allowPlaintext: _plain, remote: _remote, autokillMs: _autokill, callToken: _token, ...rest } = options;
      return this.mesh.call(owner, {
        ...rest,
        extraIes: meshRequestIes({
          tenant: context.tenant,
          peer: resolved.peer.name,
          ingressWorker: this.workerId,
          cdr: context.cdr,
          ...(context.target.user === undefined ? {} : { user: context.target.user }),
          ...(context.target.secret === undefined ? {} : { secret: context.target.secret }),
        }),
      });
    }
    const out = this.engine.call(options);
    if (resolved.peer.trunk) this.engine.trunkCall(out, resolved.peer.trunktimestamps);
    return out;
  }
}
