/**
 * A worker's end of the worker mesh (docs/architecture.md §6): an IAX2 engine of its own on the
 * worker's private address and mesh port. Its only user is the mesh user, authenticated with a
 * key derived from the deployment's mesh secret; it hands out no call tokens, so only a worker
 * (which mints its own from the secret) gets a call number here. Media between two workers goes
 * in meta trunk frames with per-call timestamps: one datagram carries every call of the pair.
 */
import type { Clock } from '../../../shared/clock.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { WorkerRecord } from '../../../shared/model/worker.ts';
import type { Call } from '../../iax2/call/call.ts';
import { FULL_BANDWIDTH } from '../../iax2/codec/index.ts';
import { Iax2Engine } from '../../iax2/engine/engine.ts';
import type { OutboundCallOptions } from '../../iax2/engine/outbound-setup.ts';
import type { IaxUser } from '../../iax2/peer-directory.ts';
import type { RemoteAddress } from '../../iax2/transport.ts';
import { UdpTransport } from '../udp-transport.ts';
import { meshKeys } from './mesh-secret.ts';
import { MESH_USER } from './mesh-request.ts';
import { MeshTokens } from './mesh-tokens.ts';

/** A mesh leg that hears nothing back within twice this gives up: a dead owner fails a call in about a second. */
export const MESH_AUTOKILL_MS = 600;
/**
 * Trunk datagrams between workers: inside a VPC the path takes jumbo frames (9001 bytes), so
 * one datagram carries about 48 calls' 20 ms of G.711 instead of the 7 a 1240-byte trunk
 * (Asterisk's default, sized for the internet) carries: fewer sends and receives per call.
 */
export const MESH_TRUNK_MTU = 8192;

export interface MeshNodeOptions {
  /** The private address and port other workers reach this one at (what the heartbeat publishes). */
  bind: RemoteAddress;
  secret: string;
  clock: Clock;
  logger: Logger;
  socketBufferBytes?: number;
  /** Largest trunk datagram between workers (default MESH_TRUNK_MTU; 1240 where the path has no jumbo frames). */
  trunkMtu?: number;
}

export class MeshNode {
  private constructor(
    readonly engine: Iax2Engine,
    readonly transport: UdpTransport,
    private readonly tokens: MeshTokens,
    private readonly authSecret: string,
  ) {}

  static async start(options: MeshNodeOptions): Promise<MeshNode> {
    const keys = meshKeys(options.secret);
    const buffer = options.socketBufferBytes ?? 4 << 20;
    const transport = await UdpTransport.bind({ address: options.bind.address, port: options.bind.port, receiveBufferBytes: buffer, sendBufferBytes: buffer, logger: options.logger });
    const tokens = new MeshTokens(keys.tokenKey, () => options.clock.wallNow());
    const meshUser: IaxUser = {
      name: MESH_USER,
      secrets: [keys.authSecret],
      inkeys: [],
      auth: ['md5'],
      contexts: ['mesh'],
      acl: [],
      capability: FULL_BANDWIDTH,
      prefs: [],
      // Between workers every call of a burst is ours: no per-user challenge limit to speak of.
      maxAuthReq: 100_000,
    };
    const engine = new Iax2Engine({
      transport,
      clock: options.clock,
      logger: options.logger,
      directory: { findUser: (name) => (name === MESH_USER ? meshUser : undefined) },
      callTokens: tokens,
      issueCallTokens: false,
      // Thousands of calls between two workers are normal here.
      limits: { maxPerIp: 30_000, maxNonValidated: 0 },
      outboundChallengeWindow: 10_000,
      trunk: { mtu: options.trunkMtu ?? MESH_TRUNK_MTU },
    });
    return new MeshNode(engine, transport, tokens, keys.authSecret);
  }

  /** Where other workers reach this one. */
  get address(): RemoteAddress {
    return this.transport.localAddress();
  }

  /** A mesh leg to `owner`: the NEW carries a token minted here and the mesh user's MD5 answer. */
  call(owner: WorkerRecord, options: Omit<OutboundCallOptions, 'remote' | 'username' | 'secret' | 'callToken' | 'autokillMs' | 'allowPlaintext' | 'outkey'>): Call {
    const call = this.engine.call({
      ...options,
      remote: { address: owner.privateAddress, port: owner.meshPort },
      username: MESH_USER,
      secret: this.authSecret,
      callToken: this.tokens.issue(this.address),
      autokillMs: MESH_AUTOKILL_MS,
    });
    this.engine.trunkCall(call, true);
    return call;
  }

  close(): void {
    this.engine.close();
    this.transport.close();
  }
}
