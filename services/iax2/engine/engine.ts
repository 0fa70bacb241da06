/**
 * The IAX2 engine: owns a Transport, turns datagrams into calls and calls into datagrams
 * (DESIGN.md §3). It classifies every datagram, answers the stateless requests (POKE, the
 * CALLTOKEN step, refusals) without allocating anything, gates NEW on a valid call token (or
 * a configured exemption) before a call number is taken, and demultiplexes the rest: full
 * frames by our call number, mini frames and trunk entries by (peer address, peer call).
 * A datagram that does not decode is counted and dropped; nothing a peer sends can throw out
 * of the socket loop.
 */
import { RemoteCallIndex } from './remote-call-index.ts';
import { TrunkBatcher, type TrunkOptions, type TrunkStats } from '../trunk/trunk-batcher.ts';
import type { Clock } from '../../../shared/clock.ts';
import { silentLogger, type Logger } from '../../../shared/logger.ts';
import { Call, type CallSetupHandler } from '../call/call.ts';
import { CallNumberAllocator, type CallNumberLimits } from '../call/call-numbers.ts';
import {
  classifyDatagram,
  decodeFullFrame,
  decodeMetaTrunkFrame,
  FrameType,
  FULL_BANDWIDTH,
  Iax2DecodeError,
  IaxCommand,
  IeId,
  ieBytes,
  ieString,
  type FullFrame,
} from '../codec/index.ts';
import { CallTokenService, loadPublicKey, type RsaPublicKey } from '../crypto/index.ts';
import { aclAllows, addressBytes, networkContains, parseNetwork, type AclRule, type Network } from '../acl.ts';
import type { IaxPeer, IaxUser, PeerDirectory } from '../peer-directory.ts';
import { addressKey, type RemoteAddress, type Transport } from '../transport.ts';
import { TypedEvents } from '../typed-events.ts';
import { InboundSetup, type IncomingCallInfo } from './inbound-setup.ts';
import { OutboundSetup, type OutboundCallOptions } from './outbound-setup.ts';
import { ReplyBudget } from './reply-budget.ts';
import { Refusals, type RefusalReason } from './refusals.ts';
import { ChallengeWindow } from './challenge-window.ts';
import type { EngineStats, SetupContext } from './setup-context.ts';
import { callTokenReply, pokeReply, statelessRefusal } from './stateless-replies.ts';

export interface EngineOptions {
  transport: Transport;
  clock: Clock;
  directory: PeerDirectory;
  logger?: Logger;
  /** Call tokens; by default a service on `clock` with Asterisk's 10 s expiry. */
  callTokens?: CallTokenService;
  limits?: CallNumberLimits;
  /** `calltokenoptional`: networks whose NEWs may come without a token. */
  callTokenOptional?: readonly string[];
  /** Engine-wide `permit`/`deny`, checked before anything else. */
  acl?: readonly AclRule[];
  /** `delayreject`: authentication refusals wait this long (Asterisk's `yes` is 1000 ms). */
  delayRejectMs?: number;
  /** Formats offered when a user has none of its own. */
  defaultCapability?: bigint;
  /**
   * Stateless replies bigger than their request (a CALLTOKEN for a short REGREQ) per source
   * address: `burst` at once, then `perSecond`. Default 20 and 10 per second.
   */
  oversizeReplyBudget?: { perSecond: number; burst: number };
  random?: () => number;
  /**
   * Our calls to one callee (address and username) that may wait on its challenge at once:
   * kept within Asterisk's default maxauthreq (3) so a burst is never refused by it.
   */
  outboundChallengeWindow?: number;
  /** trunkfreq, trunkmtu and trunkmaxsize for meta trunk frames (Asterisk's defaults otherwise). */
  trunk?: TrunkOptions;
}

/**
 * Who answers REGREQ/REGREL (the registrar). The engine does the token and limit checks and
 * opens the dialog; the registrar looks the peer up and drives the exchange.
 */
export interface RegistrationHandler {
  findPeer(name: string): IaxPeer | undefined | Promise<IaxPeer | undefined>;
  admit(call: Call, request: FullFrame, peer: IaxPeer | undefined): CallSetupHandler;
}

export interface EngineEvents {
  [event: string]: unknown;
  /** An authenticated call wants to be routed: accept it with `engine.accept()` or reject it. */
  incomingCall: { call: Call; info: IncomingCallInfo };
}

export class Iax2Engine {
  readonly events: TypedEvents<EngineEvents>;
  readonly stats: EngineStats = {
    datagramsIn: 0,
    datagramsOut: 0,
    decodeErrors: 0,
    droppedUnknownCall: 0,
    callTokensSent: 0,
    statelessRejects: 0,
    authFailures: 0,
    callsIn: 0,
    callsOut: 0,
  };
  readonly callNumbers: CallNumberAllocator;

  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly directory: PeerDirectory;
  private readonly tokens: CallTokenService;
  private readonly tokenOptional: Network[];
  private readonly acl: readonly AclRule[];
  private readonly calls = new Map<number, Call>();
  private readonly byRemote = new RemoteCallIndex();
  private readonly inbound = new Map<Call, InboundSetup>();
  /** NEWs whose user lookup is still running, so a retransmission does not start another. */
  private readonly pendingNew = new Set<string>();
  private readonly keyCache = new Map<string, RsaPublicKey | null>();
  readonly context: SetupContext;
  private registrar: RegistrationHandler | undefined;
  private readonly oversizeReplies: ReplyBudget;
  private closed = false;
  private trunks: TrunkBatcher | undefined;
  private retransmissionsOfClosedCalls = 0;
  private readonly trunkOptions: TrunkOptions | undefined;

  constructor(options: EngineOptions) {
    this.transport = options.transport;
    this.clock = options.clock;
    this.logger = options.logger ?? silentLogger;
    this.directory = options.directory;
    this.tokens = options.callTokens ?? new CallTokenService({ clock: options.clock });
    this.tokenOptional = (options.callTokenOptional ?? []).map(parseNetwork);
    this.trunkOptions = options.trunk;
    this.acl = options.acl ?? [];
    this.callNumbers = new CallNumberAllocator(options.clock, options.limits, options.random);
    this.events = new TypedEvents<EngineEvents>((event, error) => this.logger.error('engine listener threw', { event, error }));
    const random = options.random ?? Math.random;
    this.context = {
      clock: this.clock,
      logger: this.logger,
      directory: this.directory,
      stats: this.stats,
      delayRejectMs: options.delayRejectMs ?? 0,
      defaultCapability: options.defaultCapability ?? FULL_BANDWIDTH,
      authReqOutstanding: new Map(),
      lastAuthMethods: 0x0002,
      newChallenge: () => String(Math.floor(random() * 0x7fffffff)).slice(0, 9),
      publicKeys: (pems) => this.publicKeys(pems),
      refusals: new Refusals(this.logger, this.clock),
      challengeWindow: new ChallengeWindow(options.outboundChallengeWindow),
      onIncomingCall: (call, info) => this.events.emit('incomingCall', { call, info }),
    };
    this.oversizeReplies = new ReplyBudget(options.clock, options.oversizeReplyBudget?.perSecond, options.oversizeReplyBudget?.burst);
    this.transport.onDatagram((datagram, from) => this.receive(datagram, from));
  }

  /** Installs the registrar: REGREQ/REGREL to call 0 go to it once tokens and limits pass. */
  setRegistrar(handler: RegistrationHandler): void {
    this.registrar = handler;
  }

  /** Every call the engine holds, by our call number. */
  get activeCalls(): ReadonlyMap<number, Call> {
    return this.calls;
  }

  // ---- receiving -------------------------------------------------------------------------

  private receive(datagram: Buffer, from: RemoteAddress): void {
    if (this.closed) return;
    this.stats.datagramsIn++;
    try {
      this.demux(datagram, from);
    } catch (error) {
      if (error instanceof Iax2DecodeError) {
        this.stats.decodeErrors++;
        this.logger.debug('undecodable datagram dropped', { code: error.code, from: addressKey(from) });
        return;
      }
      // A bug must not take the socket loop down with it; say so loudly and carry on.
      this.logger.error('datagram handling failed', { error, from: addressKey(from) });
    }
  }

  private demux(datagram: Buffer, from: RemoteAddress): void {
    switch (classifyDatagram(datagram)) {
      case 'full': {
        const dest = ((datagram[2]! << 8) | datagram[3]!) & 0x7fff;
        if (dest !== 0) {
          const call = this.calls.get(dest);
          if (call === undefined || call.remote.port !== from.port || call.remote.address !== from.address) {
            // Unknown calls are dropped silently, as Asterisk does (§4.6).
            this.stats.droppedUnknownCall++;
            return;
          }
          call.receiveDatagram(datagram);
          this.indexRemote(call);
          return;
        }
        this.receiveDialogRequest(decodeFullFrame(datagram), from);
        return;
      }
      case 'mini': {
        const source = ((datagram[0]! << 8) | datagram[1]!) & 0x7fff;
        const call = this.byRemote.get(from.address, from.port, source);
        if (call === undefined) {
          this.stats.droppedUnknownCall++;
          return;
        }
        call.receiveDatagram(datagram);
        return;
      }
      case 'meta-trunk': {
        const trunk = decodeMetaTrunkFrame(datagram);
        for (const entry of trunk.entries) {
          const call = this.byRemote.get(from.address, from.port, entry.call);
          if (call === undefined) this.stats.droppedUnknownCall++;
          else call.receiveTrunkEntry(entry.payload, entry.timestamp, trunk.timestamp);
        }
        return;
      }
      case 'meta-video':
        // No video relay yet; Asterisk needs a full video frame first anyway.
        return;
      case 'invalid':
        this.stats.decodeErrors++;
        return;
    }
  }

  /** A full frame to call 0: only requests that open a dialog mean anything here (§7.1). */
  private receiveDialogRequest(frame: FullFrame, from: RemoteAddress): void {
    if (frame.frameType !== FrameType.IAX) return;
    switch (frame.subclass) {
      case IaxCommand.POKE:
        // Any POKE gets a stateless PONG, tokens or not (§10.1).
        this.send(pokeReply(frame), from);
        return;
      case IaxCommand.NEW:
      case IaxCommand.REGREQ:
      case IaxCommand.REGREL: {
        const existing = this.byRemote.get(from.address, from.port, frame.sourceCall);
        if (existing !== undefined) {
          // A retransmitted request: the dialog it opened answers it (a duplicate, re-ACKed).
          existing.receiveFull(frame);
          return;
        }
        if (frame.subclass !== IaxCommand.NEW && this.registrar === undefined) return;
        this.receiveOpening(frame, from);
        return;
      }
      default:
        // FWDOWNL and anything else to call 0 gets nothing: no firmware service here (§13.2).
        return;
    }
  }

  /**
   * NEW, REGREQ or REGREL to call 0: the engine-wide ACL, then the call token, then the
   * principal's lookup, then limits; only then is a call number allocated (§7).
   */
  private receiveOpening(frame: FullFrame, from: RemoteAddress): void {
    if (!aclAllows(this.acl, from.address)) {
      this.refuse(frame, from, 'acl');
      return;
    }
    const token = frame.ies?.find((ie) => ie.id === IeId.CALLTOKEN);
    let validated = false;
    if (token !== undefined) {
      const bytes = ieBytes([token], IeId.CALLTOKEN) ?? Buffer.alloc(0);
      if (bytes.length === 0) {
        this.sendCallToken(frame, from);
        return;
      }
      if (this.tokens.validate(bytes, from) !== 'valid') {
        this.refuse(frame, from, 'token-invalid');
        return;
      }
      validated = true;
    }
    const key = `${addressKey(from)}#${frame.sourceCall}`;
    if (this.pendingNew.has(key)) return;
    const found = frame.subclass === IaxCommand.NEW ? this.lookUpUser(frame, from) : this.lookUpPeer(frame);
    if (!(found instanceof Promise)) {
      this.admit(frame, from, validated, found);
      return;
    }
    // A directory that has to go to its store: hold further copies of this request meanwhile.
    this.pendingNew.add(key);
    found
      .catch((error: unknown) => {
        this.logger.error('peer directory lookup failed', { error });
        return undefined;
      })
      .then((principal) => {
        this.pendingNew.delete(key);
        if (!this.closed && !this.byRemote.has(from.address, from.port, frame.sourceCall)) this.admit(frame, from, validated, principal);
      })
      .catch((error: unknown) => this.logger.error('request handling failed', { error }));
  }

  private lookUpPeer(frame: FullFrame): IaxPeer | undefined | Promise<IaxPeer | undefined> {
    const name = ieString(frame.ies, IeId.USERNAME);
    if (name === undefined || this.registrar === undefined) return undefined;
    try {
      return this.registrar.findPeer(name);
    } catch (error) {
      this.logger.error('peer lookup failed', { error, name });
      return undefined;
    }
  }

  /** After the lookup: the token exemption, the call-number limits, then a dialog (§7.4, §7.5). */
  private admit(frame: FullFrame, from: RemoteAddress, validated: boolean, principal: IaxUser | IaxPeer | undefined): void {
    if (!validated && !this.tokenOptionalFor(from.address) && principal?.requireCallToken !== false) {
      this.refuse(frame, from, 'token-missing');
      return;
    }
    const callNumber = this.callNumbers.allocate(from.address, validated);
    if (typeof callNumber !== 'number') {
      this.refuse(frame, from, 'call-number-limit');
      return;
    }
    if (frame.subclass === IaxCommand.NEW) {
      const call = this.createCall(callNumber, from, 'inbound', { remoteCall: frame.sourceCall });
      const setup = new InboundSetup(this.context, call, frame, principal as IaxUser | undefined);
      call.setup = setup;
      this.inbound.set(call, setup);
      this.stats.callsIn++;
      call.receiveFull(frame);
      return;
    }
    const registrar = this.registrar;
    if (registrar === undefined) return;
    const dialog = this.createCall(callNumber, from, 'inbound', { remoteCall: frame.sourceCall, keepalive: false });
    dialog.setup = registrar.admit(dialog, frame, principal as IaxPeer | undefined);
    dialog.receiveFull(frame);
  }

  private lookUpUser(frame: FullFrame, from: RemoteAddress): IaxUser | undefined | Promise<IaxUser | undefined> {
    const username = ieString(frame.ies, IeId.USERNAME);
    try {
      if (username !== undefined) return this.directory.findUser(username);
      const byAddress = this.directory.findUserByAddress?.(from.address, from.port);
      if (byAddress instanceof Promise) return byAddress.then((u) => u ?? this.directory.findUser('guest'));
      return byAddress ?? this.directory.findUser('guest');
    } catch (error) {
      this.logger.error('peer directory lookup failed', { error, username });
      return undefined;
    }
  }

  private tokenOptionalFor(address: string): boolean {
    const bytes = addressBytes(address);
    return bytes !== undefined && this.tokenOptional.some((network) => networkContains(network, bytes));
  }

  /**
   * The CALLTOKEN reply: the one stateless reply that can be bigger than its request.
   */
  private sendCallToken(frame: FullFrame, from: RemoteAddress): void {
    const reply = callTokenReply(frame, this.tokens.issue(from));
    // Never amplify for free: a reply bigger than its request (a short REGREQ's token) is
    // rationed per source address; a NEW that small is not a real client and gets nothing.
    const requestLength = (frame.payload?.length ?? 0) + 12;
    if (reply.length > requestLength && (frame.subclass === IaxCommand.NEW || !this.oversizeReplies.take(from.address))) return;
    this.stats.callTokensSent++;
    this.send(reply, from);
  }

  private refuse(frame: FullFrame, from: RemoteAddress, reason: RefusalReason): void {
    this.stats.statelessRejects++;
    this.context.refusals.record(reason, frame.subclass === IaxCommand.NEW ? 'call' : 'registration', {
      from: addressKey(from),
      username: ieString(frame.ies, IeId.USERNAME),
    });
    this.send(statelessRefusal(frame), from);
  }

  // ---- calls -----------------------------------------------------------------------------

  private createCall(
    localCall: number,
    remote: RemoteAddress,
    direction: 'inbound' | 'outbound',
    options: { remoteCall?: number; autokillMs?: number; keepalive?: boolean; pingtimeMs?: number } = {},
  ): Call {
    const remoteCall = options.remoteCall;
    const call = new Call({
      localCall,
      remoteCall,
      remote: { address: remote.address, port: remote.port },
      direction,
      clock: this.clock,
      logger: this.logger.child({ call: localCall }),
      send: (datagram) => this.send(datagram, remote),
      autokillMs: options.autokillMs,
      keepalive: options.keepalive,
      pingtimeMs: options.pingtimeMs,
    });
    this.calls.set(localCall, call);
    if (remoteCall !== undefined && remoteCall !== 0) this.byRemote.set(remote.address, remote.port, remoteCall, call);
    call.events.on('closed', () => {
      this.retransmissionsOfClosedCalls += call.retransmissions;
      this.calls.delete(localCall);
      this.byRemote.remove(call);
      this.inbound.delete(call);
      this.callNumbers.release(localCall);
    });
    return call;
  }

  /** Files a call under its peer's call number once that is known, for mini and trunk frames. */
  private indexRemote(call: Call): void {
    if (call.remoteCall === 0 || call.closed) return;
    this.byRemote.set(call.remote.address, call.remote.port, call.remoteCall, call);
  }

  /**
   * Accepts an incoming call that the `incomingCall` event announced: ACCEPT with the format
   * negotiated from the user's and the caller's capabilities (or `format`). Returns the format,
   * or undefined when nothing was common (the caller then got REJECT, cause 58).
   */
  accept(call: Call, format?: bigint): bigint | undefined {
    return this.inbound.get(call)?.accept(format);
  }

  /**
   * Puts `call`'s voice into meta trunk frames to its peer (trunk=yes); with `timestamps`
   * (trunktimestamps=yes) each entry keeps the call's own timing.
   */
  trunkCall(call: Call, timestamps = false): void {
    this.trunks ??= new TrunkBatcher(this.clock, (datagram, to) => this.send(datagram, to), this.trunkOptions);
    call.trunk = this.trunks.sinkFor(call.remote, timestamps);
  }

  /** Reliable frames sent again, over every call this engine has had. */
  get retransmissions(): number {
    let total = this.retransmissionsOfClosedCalls;
    for (const call of this.calls.values()) total += call.retransmissions;
    return total;
  }

  get trunkStats(): TrunkStats | undefined {
    return this.trunks?.stats;
  }

  /** Places a call (the caller side): NEW, token, authentication, encryption, ACCEPT. */
  call(options: OutboundCallOptions): Call {
    if (this.closed) throw new Error('engine is closed');
    const callNumber = this.callNumbers.allocate(options.remote.address, true);
    if (typeof callNumber !== 'number') {
      throw Object.assign(new Error(`no call number for ${addressKey(options.remote)}: ${callNumber}`), { code: 'IAX2_ERR_NO_CALL_NUMBER' });
    }
    const call = this.createCall(callNumber, options.remote, 'outbound', { autokillMs: options.autokillMs });
    const setup = new OutboundSetup(this.context, call, options);
    call.setup = setup;
    this.stats.callsOut++;
    setup.start();
    return call;
  }

  /**
   * Opens an outbound dialog that is not a call (a registration or a qualify POKE): a fresh
   * call number, no PING/LAGRQ, `setup` driving the exchange. Throws when no number is free.
   */
  openDialog(remote: RemoteAddress, makeSetup: (call: Call) => CallSetupHandler, options: { pingtimeMs?: number } = {}): Call {
    if (this.closed) throw new Error('engine is closed');
    const callNumber = this.callNumbers.allocate(remote.address, true);
    if (typeof callNumber !== 'number') {
      throw Object.assign(new Error(`no call number for ${addressKey(remote)}: ${callNumber}`), { code: 'IAX2_ERR_NO_CALL_NUMBER' });
    }
    const call = this.createCall(callNumber, remote, 'outbound', { keepalive: false, pingtimeMs: options.pingtimeMs });
    call.setup = makeSetup(call);
    return call;
  }

  private publicKeys(pems: readonly string[]): RsaPublicKey[] {
    const keys: RsaPublicKey[] = [];
    for (const pem of pems) {
      let key = this.keyCache.get(pem);
      if (key === undefined) {
        try {
          key = loadPublicKey(pem);
        } catch (error) {
          this.logger.warn('unusable inkey ignored', { error });
          key = null;
        }
        this.keyCache.set(pem, key);
      }
      if (key !== null) keys.push(key);
    }
    return keys;
  }

  private send(datagram: Buffer, to: RemoteAddress): void {
    this.stats.datagramsOut++;
    this.transport.send(datagram, to);
  }

  /** Closes every call (no frames sent) and stops listening. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const call of [...this.calls.values()]) call.close('engine-closed');
    this.trunks?.close();
    this.callNumbers.close();
    this.events.removeAll();
  }
}

