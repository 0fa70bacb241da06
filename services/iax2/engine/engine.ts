/**
 * The IAX2 engine: owns a Transport, turns datagrams into calls and calls into datagrams
 * (docs/architecture.md §3). It classifies every datagram, answers the stateless requests
 * (POKE, the CALLTOKEN step, refusals) without allocating anything, hands requests that
 * open a dialog to admission (admission.ts) and demultiplexes the rest: full frames by our
 * call number, mini frames and trunk entries by (peer address, peer call). A datagram that
 * does not decode is counted and dropped; nothing a peer sends can throw out of the socket
 * loop.
 */
import type { Clock } from '../../../shared/clock.ts';
import { silentLogger, type Logger } from '../../../shared/logger.ts';
import { Call, type CallSetupHandler } from '../call/call.ts';
import { CallNumberAllocator, CallNumberExhaustedError, type CallNumberLimits } from '../call/call-numbers.ts';
import {
  classifyDatagram,
  decodeFullFrame,
  FrameType,
  FULL_BANDWIDTH,
  Iax2DecodeError,
  IaxCommand,
  IeId,
  ieString,
  peekDestCall,
  peekSourceCall,
  TrunkEntryCursor,
  type FullFrame,
} from '../codec/index.ts';
import { CallTokenService, type CallTokens } from '../crypto/index.ts';
import type { AclRule } from '../acl.ts';
import { AUTH_BITS } from '../dialog/authenticate.ts';
import { ChallengeWindow } from '../dialog/challenge-window.ts';
import { dialogContext } from '../dialog/dialog-context.ts';
import type { Refusals } from '../dialog/refusals.ts';
import type { IaxPeer, IaxUser, PeerDirectory } from '../peer-directory.ts';
import { TrunkBatcher, type TrunkOptions, type TrunkStats } from '../trunk/trunk-batcher.ts';
import { addressKey, type RemoteAddress, type Transport } from '../transport.ts';
import { TypedEvents } from '../typed-events.ts';
import { Admission, requestKind, type AdmissionVerdict, type Principal } from './admission.ts';
import type { AuthFailures } from '../dialog/auth-failures.ts';
import { AuthReqLimits } from './auth-req-limits.ts';
import { InboundSetup } from './inbound-setup.ts';
import type { IncomingCallInfo } from './incoming-call.ts';
import { OutboundSetup, type OutboundCallOptions } from './outbound-setup.ts';
import { RemoteCallIndex } from './remote-call-index.ts';
import { ReplyCredit, type ReplyCreditOptions, type StatelessReplyKind } from './reply-credit.ts';
import type { EngineStats, SetupContext } from './setup-context.ts';
import { RequestPrincipals } from './request-principals.ts';
import { AUTH_LIMIT_REFUSAL, callTokenReply, pokeReply, statelessRefusal } from './stateless-replies.ts';

export type { IncomingCallInfo } from './incoming-call.ts';

export interface EngineOptions {
  transport: Transport;
  clock: Clock;
  directory: PeerDirectory;
  logger?: Logger;
  /** Call tokens; by default a service on `clock` with Asterisk's 10 s expiry. */
  callTokens?: CallTokens;
  /**
   * Hand out call tokens (default). Off for an engine whose callers mint their tokens
   * themselves from a shared secret: then only a request that brings a valid one gets a call number.
   */
  issueCallTokens?: boolean;
  limits?: CallNumberLimits;
  /** `calltokenoptional`: networks whose NEWs may come without a token. */
  callTokenOptional?: readonly string[];
  /** Engine-wide `permit`/`deny`, checked before anything else. */
  acl?: readonly AclRule[];
  /** `delayreject`: authentication refusals wait this long (Asterisk's `yes` is 1000 ms). */
  delayRejectMs?: number;
  /** Formats offered when a user has none of its own. */
  defaultCapability?: bigint;
  /** Stateless reply bytes: at most what each address sent us, and a global rate (reply-credit.ts). */
  replyCredit?: ReplyCreditOptions;
  /**
   * An inbound dialog that has not authenticated this long after it opened is closed (call.ts).
   * Default 30 s: a lossy caller's retransmissions (2 s, then 10 s gaps) still make it.
   */
  setupDeadlineMs?: number;
  /** Requests waiting on directory lookups at once, at most; beyond it they are dropped (admission.ts). Default 256. */
  maxLookupsInFlight?: number;
  random?: () => number;
  /**
   * Our calls to one callee (address and username) that may wait on its challenge at once:
   * kept within Asterisk's default maxauthreq (3) so a burst is never refused by it.
   */
  outboundChallengeWindow?: number;
  /** trunkfreq, trunkmtu and trunkmaxsize for meta trunk frames (Asterisk's defaults otherwise). */
  trunk?: TrunkOptions;
  /**
   * Media (mini frames, trunk frames) that may have waited longer than this in the transport's
   * backlog is dropped, not relayed late: voice late by a second is worse than voice lost, and
   * shedding it is what lets the signalling behind it through. Default 40 ms.
   */
  staleMediaMs?: number;
}

/** How often, at most, the engine says it is shedding media (one line, with the count since the last). */
const SHED_LOG_EVERY_MS = 10_000;

/**
 * Who answers REGREQ/REGREL (the registrar). The engine does the token and limit checks and
 * opens the dialog; the registrar looks the peer up and drives the exchange.
 */
export interface RegistrationHandler {
  findPeer(name: string): IaxPeer | undefined | Promise<IaxPeer | undefined>;
  /** The setup handler of a registration dialog the engine opened for `request`. */
  admit(call: Call, request: FullFrame, peer: IaxPeer | undefined): CallSetupHandler;
  /** The AUTHMETHODS of the last peer registration challenged: what a decoy shows (protocol.md §6.4). */
  decoyMethods(): number;
  /** True when the peer called `name` has `requirecalltoken=no`, known without waiting on a store. */
  tokenExempt(name: string): boolean;
  /** True when a peer's registration lives at this address: it proved itself, its replies need no credit. */
  registeredAt(address: string, port: number): boolean;
}

export interface EngineEvents {
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
    droppedLookupOverload: 0,
    droppedStaleMedia: 0,
    callTokensSent: 0,
    statelessRejects: 0,
    authFailures: 0,
    callsIn: 0,
    callsOut: 0,
  };
  readonly callNumbers: CallNumberAllocator;
  /** Refusals of calls (and of registrations before the registrar saw them), by reason. */
  readonly refusals: Refusals;

  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly setupDeadlineMs: number;
  private readonly logger: Logger;
  private readonly context: SetupContext;
  private readonly admission: Admission;
  private readonly calls = new Map<number, Call>();
  private readonly byRemote = new RemoteCallIndex();
  private readonly inbound = new Map<Call, InboundSetup>();
  private registrar: RegistrationHandler | undefined;
  private readonly replyCredit: ReplyCredit;
  private closed = false;
  private trunks: TrunkBatcher | undefined;
  private retransmissionsOfClosedCalls = 0;
  private readonly trunkOptions: TrunkOptions | undefined;
  private readonly staleMediaMs: number;
  private shedLoggedAt = -Infinity;
  private shedSinceLog = 0;
  /** Reads every meta trunk frame this engine receives, in place (one datagram at a time). */
  private readonly trunkEntries = new TrunkEntryCursor();

  constructor(options: EngineOptions) {
    this.transport = options.transport;
    this.clock = options.clock;
    this.setupDeadlineMs = options.setupDeadlineMs ?? 30_000;
    this.logger = options.logger ?? silentLogger;
    this.trunkOptions = options.trunk;
    this.staleMediaMs = options.staleMediaMs ?? 40;
    this.callNumbers = new CallNumberAllocator(options.clock, options.limits, options.random);
    this.events = new TypedEvents<EngineEvents>((event, error) => this.logger.error('engine listener threw', { event, error }));
    const dialogs = dialogContext({
      clock: this.clock,
      logger: this.logger,
      delayRejectMs: options.delayRejectMs,
      random: options.random,
      decoyMethods: () => this.registrar?.decoyMethods() ?? AUTH_BITS.md5,
    });
    this.refusals = dialogs.refusals;
    const directory = options.directory;
    this.context = {
      ...dialogs,
      directory,
      defaultCapability: options.defaultCapability ?? FULL_BANDWIDTH,
      authReqs: new AuthReqLimits(),
      challengeWindow: new ChallengeWindow(options.outboundChallengeWindow),
      authFailed: () => this.stats.authFailures++,
      onIncomingCall: (call, info) => {
        // Authenticated: the call leaves the setup budget (call-numbers.ts).
        this.callNumbers.promote(call.localCall);
        this.events.emit('incomingCall', { call, info });
      },
    };
    const principals = new RequestPrincipals(directory, this.context.authReqs, () => this.registrar);
    this.admission = new Admission({
      logger: this.logger,
      tokens: options.callTokens ?? new CallTokenService({ clock: options.clock }),
      issueTokens: options.issueCallTokens ?? true,
      callNumbers: this.callNumbers,
      acl: options.acl ?? [],
      tokenOptional: options.callTokenOptional ?? [],
      tokenExempt: (frame, from) => principals.tokenExempt(frame, from),
      maxLookupsInFlight: options.maxLookupsInFlight,
      overloaded: () => this.stats.droppedLookupOverload++,
      lookUp: (frame, from) => principals.lookUp(frame, from),
      proven: (from) => this.registrar?.registeredAt(from.address, from.port) === true,
      paused: (ip) => this.context.failures.paused(ip),
      challengeRoom: (frame, from, principal) => principals.challengeRoom(frame, from, principal as IaxUser | undefined),
      opened: (from, sourceCall) => this.byRemote.has(from.address, from.port, sourceCall),
    });
    this.replyCredit = new ReplyCredit(options.clock, options.replyCredit);
    this.transport.onDatagram((datagram, from, waitedMs) => this.receive(datagram, from, waitedMs ?? 0));
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

  private receive(datagram: Buffer, from: RemoteAddress, waitedMs: number): void {
    if (this.closed) return;
    this.stats.datagramsIn++;
    try {
      this.demux(datagram, from, waitedMs);
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

  private demux(datagram: Buffer, from: RemoteAddress, waitedMs: number): void {
    const kind = classifyDatagram(datagram);
    // Stale media goes before any lookup: full frames (signalling, ACKs) are always served.
    if (waitedMs > this.staleMediaMs && (kind === 'mini' || kind === 'meta-trunk')) {
      this.shedStaleMedia(waitedMs);
      return;
    }
    switch (kind) {
      case 'full': {
        const dest = peekDestCall(datagram);
        if (dest === 0) {
          this.receiveDialogRequest(decodeFullFrame(datagram), from, datagram.length);
          return;
        }
        const call = this.calls.get(dest);
        if (call === undefined || call.remote.port !== from.port || call.remote.address !== from.address) {
          // Unknown calls are dropped silently, as Asterisk does (protocol.md §4.6).
          this.stats.droppedUnknownCall++;
          return;
        }
        call.receiveDatagram(datagram);
        this.indexRemote(call);
        return;
      }
      case 'mini': {
        const call = this.byRemote.get(from.address, from.port, peekSourceCall(datagram));
        if (call === undefined) {
          this.stats.droppedUnknownCall++;
          return;
        }
        call.receiveDatagram(datagram);
        return;
      }
      case 'meta-trunk': {
        // One pass over the entries in place: no entries array, no object per entry.
        const entries = this.trunkEntries.reset(datagram);
        while (entries.next()) {
          const call = this.byRemote.get(from.address, from.port, entries.call);
          if (call === undefined) this.stats.droppedUnknownCall++;
          else call.receiveTrunkEntry(entries.payload(), entries.timestamp < 0 ? undefined : entries.timestamp, entries.trunkTimestamp);
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

  private shedStaleMedia(waitedMs: number): void {
    this.stats.droppedStaleMedia++;
    this.shedSinceLog++;
    const now = this.clock.now();
    if (now - this.shedLoggedAt < SHED_LOG_EVERY_MS) return;
    this.logger.warn('behind: stale media dropped, signalling served', { datagrams: this.shedSinceLog, waitedMs: Math.round(waitedMs), boundMs: this.staleMediaMs });
    this.shedLoggedAt = now;
    this.shedSinceLog = 0;
  }

  /** A full frame to call 0: only requests that open a dialog mean anything here (protocol.md §7.1). */
  private receiveDialogRequest(frame: FullFrame, from: RemoteAddress, bytes: number): void {
    if (frame.frameType !== FrameType.IAX) return;
    switch (frame.subclass) {
      case IaxCommand.POKE:
        // Any POKE gets a stateless PONG, tokens or not (protocol.md §10.1).
        this.sendStateless(from, bytes, 'other', () => pokeReply(frame));
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
        this.admission.check(frame, from, (verdict) => this.onVerdict(frame, from, bytes, verdict));
        return;
      }
      default:
        // FWDOWNL and anything else to call 0 gets nothing: no firmware service here (protocol.md §13.2).
        return;
    }
  }

  private onVerdict(frame: FullFrame, from: RemoteAddress, bytes: number, verdict: AdmissionVerdict): void {
    if (this.closed) return;
    switch (verdict.kind) {
      case 'ignore':
        return;
      case 'calltoken':
        if (this.sendStateless(from, bytes, 'token', () => callTokenReply(frame, this.admission.issueToken(from)))) this.stats.callTokensSent++;
        return;
      case 'refuse':
        this.stats.statelessRejects++;
        this.refusals.record(verdict.reason, requestKind(frame), () => ({ from: addressKey(from), username: ieString(frame.ies, IeId.USERNAME) }));
        this.sendStateless(from, bytes, 'other', () => statelessRefusal(frame, verdict.reason === 'auth-limit' ? AUTH_LIMIT_REFUSAL : undefined));
        return;
      case 'admit':
        this.open(frame, from, verdict.callNumber, verdict.principal);
        return;
    }
  }

  /** The dialog an admitted request opens: a call's setup, or the registrar's exchange. */
  private open(frame: FullFrame, from: RemoteAddress, callNumber: number, principal: Principal | undefined): void {
    if (frame.subclass === IaxCommand.NEW) {
      this.stats.callsIn++;
      const call = this.createCall(callNumber, from, 'inbound', {
        remoteCall: frame.sourceCall,
        setup: (c) => {
          const setup = new InboundSetup(this.context, c, frame, principal as IaxUser | undefined);
          this.inbound.set(c, setup);
          return setup;
        },
      });
      call.receiveFull(frame);
      return;
    }
    const registrar = this.registrar;
    if (registrar === undefined) return;
    const dialog = this.createCall(callNumber, from, 'inbound', {
      remoteCall: frame.sourceCall,
      keepalive: false,
      setup: (c) => registrar.admit(c, frame, principal as IaxPeer | undefined),
    });
    dialog.receiveFull(frame);
  }

  /**
   * A reply that opens nothing, to an address nothing has proved: no bigger than what it sent,
   * within the replies a second (reply-credit.ts). `build` runs only when a reply may go at all,
   * so a flood past the budget costs no token HMAC and no encoding.
   */
  private sendStateless(to: RemoteAddress, requestBytes: number, kind: StatelessReplyKind, build: () => Buffer): boolean {
    const proven = this.registrar?.registeredAt(to.address, to.port) === true;
    if (!proven && this.replyCredit.exhausted(kind)) return false;
    const reply = build();
    if (!this.replyCredit.take(addressKey(to), requestBytes, reply.length, proven, kind)) return false;
    this.send(reply, to);
    return true;
  }

  /** Failed challenges, calls and registrations together: the registrar shares these (auth-failures.ts). */
  get authFailures(): AuthFailures {
    return this.context.failures;
  }

  /** Requests waiting on a directory lookup now (at most `maxLookupsInFlight`). */
  get lookupsInFlight(): number {
    return this.admission.lookupsInFlight;
  }

  /** Stateless replies held back because their address (or everyone) had no credit left. */
  get withheldReplies(): number {
    return this.replyCredit.withheld;
  }

  // ---- calls -----------------------------------------------------------------------------

  private createCall(
    localCall: number,
    remote: RemoteAddress,
    direction: 'inbound' | 'outbound',
    options: { setup: (call: Call) => CallSetupHandler; remoteCall?: number; autokillMs?: number; keepalive?: boolean; pingtimeMs?: number; fullVoiceAtWrap?: boolean },
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
      setup: options.setup,
      autokillMs: options.autokillMs,
      setupDeadlineMs: direction === 'inbound' ? this.setupDeadlineMs : undefined,
      keepalive: options.keepalive,
      pingtimeMs: options.pingtimeMs,
      fullVoiceAtWrap: options.fullVoiceAtWrap,
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

  /** A call number for a dialog we open, or CallNumberExhaustedError. */
  private allocate(remote: RemoteAddress): number {
    if (this.closed) throw new Error('engine is closed');
    const callNumber = this.callNumbers.allocate(remote.address, true);
    if (typeof callNumber !== 'number') throw new CallNumberExhaustedError(addressKey(remote), callNumber);
    return callNumber;
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
    call.useTrunk(this.trunks.sinkFor(call.remote, timestamps));
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
    const callNumber = this.allocate(options.remote);
    let setup: OutboundSetup | undefined;
    const call = this.createCall(callNumber, options.remote, 'outbound', {
      autokillMs: options.autokillMs,
      fullVoiceAtWrap: options.fullVoiceAtWrap,
      setup: (c) => (setup = new OutboundSetup(this.context, c, options)),
    });
    this.stats.callsOut++;
    setup?.start();
    return call;
  }

  /**
   * Opens an outbound dialog that is not a call (a registration or a qualify POKE): a fresh
   * call number, no PING/LAGRQ, `setup` driving the exchange. Throws CallNumberExhaustedError
   * when no number is free.
   */
  openDialog(remote: RemoteAddress, makeSetup: (call: Call) => CallSetupHandler, options: { pingtimeMs?: number } = {}): Call {
    return this.createCall(this.allocate(remote), remote, 'outbound', { keepalive: false, pingtimeMs: options.pingtimeMs, setup: makeSetup });
  }

  /** True when the transport kept `datagram` (transport.ts). */
  private send(datagram: Buffer, to: RemoteAddress): boolean | void {
    this.stats.datagramsOut++;
    return this.transport.send(datagram, to);
  }

  /** Closes every call (no frames sent) and stops listening. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.admission.close();
    for (const call of [...this.calls.values()]) call.close('engine-closed');
    this.trunks?.close();
    this.callNumbers.close();
    this.events.removeAll();
  }
}
