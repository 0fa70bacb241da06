/**
 * The registrar: serves REGREQ/REGREL for dynamic peers (protocol.md §9), keeps registrations
 * in an injected store stamped with this worker's id, expires them at the granted refresh +
 * 10 s, and qualifies registered peers that ask for it. Events: `registered`, `unregistered`,
 * `expired`, `statuschange`. When the store fails (or does not answer within `storeWaitMs`)
 * and the worker gave it somewhere to queue writes, a peer's registration or removal is
 * granted from the registrar's own memory and written later (deferred-writes.ts).
 */
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import { LogThrottle } from '../../../shared/log-throttle.ts';
import { silentLogger, type Logger } from '../../../shared/logger.ts';
import type { Call } from '../call/call.ts';
import type { FullFrame } from '../codec/index.ts';
import { AUTH_BITS } from '../dialog/authenticate.ts';
import { dialogContext, type DialogContext } from '../dialog/dialog-context.ts';
import type { Refusals } from '../dialog/refusals.ts';
import type { Iax2Engine, RegistrationHandler } from '../engine/engine.ts';
import type { IaxPeer } from '../peer-directory.ts';
import { addressKey, type RemoteAddress } from '../transport.ts';
import { TypedEvents } from '../typed-events.ts';
import { StoreAttempt, type DeferredRegistrationWrites } from './deferred-writes.ts';
import { QualifyMonitor, type QualifyChange } from './qualify.ts';
import { RegistrarDialog, type RegistrarServices } from './registrar-dialog.ts';
import { settle, type Registration, type RegistrationStore } from './registration-store.ts';

/** Seconds a registration outlives its granted refresh on the server (protocol.md §0). */
export const EXPIRY_GRACE_S = 10;

export interface RegistrarOptions {
  engine: Iax2Engine;
  clock: Clock;
  store: RegistrationStore;
  findPeer(name: string): IaxPeer | undefined | Promise<IaxPeer | undefined>;
  /**
   * Whether the peer called `name` has `requirecalltoken=no`, answered without a store read (a
   * REGREQ without a token must cost none). Without it, only a synchronous `findPeer` is asked.
   */
  tokenExempt?(name: string): boolean;
  /** The peer as the store has it now, to check an answer against (answer-check.ts); without it, the copy challenged. */
  recheckPeer?(name: string, force: boolean): IaxPeer | undefined | Promise<IaxPeer | undefined>;
  /** `dbsecret`: the astdb value at family/key. */
  resolveDbSecret?(family: string, key: string, owner: string): string | undefined | Promise<string | undefined>;
  /** This worker's id, stamped on every registration it accepts. */
  workerId: string;
  logger?: Logger;
  /** `delayreject`: REGREJ after a failed registration waits this long (Asterisk's `yes` is 1000 ms). */
  delayRejectMs?: number;
  /** `minregexpire` / `maxregexpire`, both 60 s by default (protocol.md §0). */
  minExpireS?: number;
  maxExpireS?: number;
  /** The zone the REGACK's DATETIME is given in. */
  timeZone?: string;
  random?: () => number;
  /**
   * Where writes go that the store could not take (the worker's write-behind queue). With it,
   * a peer the directory found (so: one it knows) is granted its registration, or removal,
   * from memory when the store fails, and the store is written later; without it a store
   * failure refuses the registration (REGREJ).
   */
  deferredWrites?: DeferredRegistrationWrites;
  /** With `deferredWrites`: how long a REGREQ or REGREL waits for the store before it is answered from memory (default 1000 ms). */
  storeWaitMs?: number;
}

export interface RegistrarEvents {
  registered: { registration: Registration; moved: boolean };
  unregistered: { name: string };
  expired: { name: string };
  statuschange: QualifyChange;
}

export interface RegistrarStats {
  readonly registered: number;
  readonly rejected: number;
  readonly expired: number;
  /** Registrations and removals granted from memory, their store write queued. */
  readonly deferred: number;
}

export class Registrar implements RegistrationHandler {
  readonly events: TypedEvents<RegistrarEvents>;
  readonly qualify: QualifyMonitor;
  /** Registrations refused, by reason. */
  readonly refusals: Refusals;
  private readonly context: DialogContext;
  private readonly counts = { registered: 0, rejected: 0, expired: 0, deferred: 0 };
  private readonly store: RegistrationStore;
  /** The registration last granted here per peer: what a refresh is compared with when the store cannot be read. */
  private readonly granted = new Map<string, Registration>();
  /** Store trouble is logged, but an outage does not become a line per REGREQ. */
  private readonly storeLog: LogThrottle;
  /** Expiries are logged per tenant, a few a window: a site losing its network loses every box at once. */
  private readonly expiryLog: LogThrottle;
  private readonly storeWaitMs: number;
  private readonly expiryTimers = new Map<string, TimerHandle>();
  /** Live registrations granted here: peer name -> its address, and "ip:port" -> the peer. */
  private readonly addresses = new Map<string, RemoteAddress>();
  private readonly peersByAddress = new Map<string, string>();
  private readonly minExpireS: number;
  private readonly maxExpireS: number;
  /** What the last real REGAUTH asked for: decoys, for calls too, show it (protocol.md §6.4). */
  private lastMethods: number = AUTH_BITS.md5;
  /** What this registrar's dialogs may ask of it (kept off its public face). */
  private readonly services: RegistrarServices;

  constructor(private readonly options: RegistrarOptions) {
    const logger = options.logger ?? silentLogger;
    this.context = dialogContext({
      clock: options.clock,
      logger,
      delayRejectMs: options.delayRejectMs,
      random: options.random,
      decoyMethods: () => this.lastMethods,
      // One count of failed challenges for calls and registrations alike (auth-failures.ts).
      failures: options.engine.authFailures,
    });
    this.refusals = this.context.refusals;
    this.store = options.store;
    this.storeLog = new LogThrottle(() => options.clock.now(), { linesPerWindow: 3 });
    this.expiryLog = new LogThrottle(() => options.clock.now(), { linesPerWindow: 20 });
    this.storeWaitMs = options.storeWaitMs ?? 1000;
    this.minExpireS = options.minExpireS ?? 60;
    this.maxExpireS = Math.max(this.minExpireS, options.maxExpireS ?? 60);
    this.events = new TypedEvents<RegistrarEvents>((event, error) => logger.error('registrar listener threw', { event, error }));
    this.qualify = new QualifyMonitor(options.engine, options.clock);
    this.qualify.events.on('statuschange', (change) => {
      settle(this.store.updateQualify(change.name, { status: change.status, latencyMs: change.latencyMs }, options.workerId), (stored) => {
        // Another worker holds the box's registration now: it qualifies the box, not us.
        if (!stored) this.forget(change.name, 'its registration belongs to another worker now');
      }, (error) => logger.error('qualify status not stored', { error, name: change.name }));
      this.events.emit('statuschange', change);
    });
    this.services = {
      context: this.context,
      timeZone: options.timeZone ?? 'UTC',
      ...(options.resolveDbSecret === undefined ? {} : { resolveDbSecret: (family: string, key: string, owner: string) => options.resolveDbSecret?.(family, key, owner) }),
      ...(options.recheckPeer === undefined ? {} : { recheckPeer: (name: string, force: boolean) => options.recheckPeer?.(name, force) }),
      clampRefresh: (asked) => this.clampRefresh(asked),
      register: (peer, from, refreshS, acked, failed) => this.register(peer, from, refreshS, acked, failed),
      unregister: (peer, acked, failed) => this.unregister(peer, acked, failed),
      challenged: (methods) => {
        this.lastMethods = methods;
      },
      authFailed: (name, from) => this.context.failures.failed('registration', name, from, name === undefined ? undefined : this.addresses.get(name), this.context.delayRejectMs),
      refused: (reason, context) => {
        this.counts.rejected++;
        this.refusals.record(reason, 'registration', context);
      },
    };
    options.engine.setRegistrar(this);
  }

  get stats(): RegistrarStats {
    return { ...this.counts };
  }

  /** The peers whose live registration this registrar granted (its worker's share of the registry). */
  registeredHere(): string[] {
    return [...this.expiryTimers.keys()].sort();
  }

  /** The peer registered here from `address`:`port`, if any (a NEW without USERNAME names it). */
  peerAt(address: string, port: number): string | undefined {
    return this.peersByAddress.get(addressKey({ address, port }));
  }

  registeredAt(address: string, port: number): boolean {
    return this.peerAt(address, port) !== undefined;
  }

  /** Where `name` registered through this registrar, while that registration lives. */
  addressOf(name: string): RemoteAddress | undefined {
    return this.addresses.get(name);
  }

  findPeer(name: string): IaxPeer | undefined | Promise<IaxPeer | undefined> {
    return this.options.findPeer(name);
  }

  tokenExempt(name: string): boolean {
    if (this.options.tokenExempt !== undefined) return this.options.tokenExempt(name);
    const found = this.options.findPeer(name);
    return !(found instanceof Promise) && found?.requireCallToken === false;
  }

  admit(call: Call, request: FullFrame, peer: IaxPeer | undefined): RegistrarDialog {
    return new RegistrarDialog(this.services, call, request, peer);
  }

  decoyMethods(): number {
    return this.lastMethods;
  }

  /**
   * Drops what this registrar keeps of `name` (its expiry timer, its address, its qualify)
   * without touching the store: the box registered through another worker, which owns it now
   * (docs/architecture.md §6). Only the owner qualifies a box.
   */
  forget(name: string, why: string): void {
    if (!this.expiryTimers.has(name) && !this.addresses.has(name)) return;
    this.clearExpiry(name);
    this.forgetAddress(name);
    this.granted.delete(name);
    this.qualify.forget(name);
    this.context.logger.info('registration released', { peer: name, why });
  }

  /** REFRESH as granted: the asked value clamped to [min, max]; missing or 0 is the minimum (protocol.md §9.1). */
  private clampRefresh(asked: number | undefined): number {
    if (asked === undefined || asked === 0) return this.minExpireS;
    return Math.min(this.maxExpireS, Math.max(this.minExpireS, asked));
  }

  /**
   * Stores the registration (rtupdate), then lets the dialog send REGACK. When the store fails
   * or is slow and writes can be deferred, the REGACK goes out anyway and the write is queued.
   */
  private register(peer: IaxPeer, from: RemoteAddress, refreshS: number, acked: () => void, failed: () => void): void {
    const now = this.context.clock.wallNow();
    const deferred = this.options.deferredWrites;
    const fromMemory = (why: string, error?: unknown): void => {
      const previous = this.granted.get(peer.name);
      const registration = this.registrationFor(peer, from, refreshS, now, previous);
      this.counts.deferred++;
      this.logStore('registration granted from memory; its store write is queued', { peer: peer.name, why, error });
      deferred?.put(registration);
      this.grant(peer, registration, previous, acked);
    };
    // The queued writes still fail: the store is out, and nobody waits for it.
    if (deferred?.failing === true) return fromMemory('the store is failing');
    const attempt = new StoreAttempt(this.context.clock, deferred === undefined ? undefined : this.storeWaitMs, () => fromMemory('the store did not answer in time'));
    const fallBack = (message: string, error: unknown): void => {
      if (!attempt.decide()) return;
      if (deferred !== undefined) return fromMemory(message, error);
      this.context.logger.error(message, { error, peer: peer.name });
      failed();
    };
    settle(this.store.get(peer.name), (previous) => {
      if (!attempt.open) return; // answered from memory meanwhile
      if (previous !== undefined && previous.workerId !== this.options.workerId) {
        this.context.logger.info('registration taken over', { peer: peer.name, from: previous.workerId });
      }
      const registration = this.registrationFor(peer, from, refreshS, now, previous);
      settle(this.store.put(registration), () => {
        // Landed after the deadline: the queued copy writes the very same registration again.
        if (!attempt.decide()) return;
        deferred?.cancel(peer.name);
        this.grant(peer, registration, previous, acked);
      }, (error) => fallBack('registration not stored', error));
    }, (error) => fallBack('registration lookup failed', error));
  }

  /** The registration `from` is granted, keeping the qualify status of the one before at the same address. */
  private registrationFor(peer: IaxPeer, from: RemoteAddress, refreshS: number, now: number, previous: Registration | undefined): Registration {
    const moved = previous !== undefined && (previous.address !== from.address || previous.port !== from.port);
    return {
      name: peer.name,
      tenant: peer.tenant,
      address: from.address,
      port: from.port,
      workerId: this.options.workerId,
      registeredAt: now,
      expiresAt: now + (refreshS + EXPIRY_GRACE_S) * 1000,
      refreshS,
      regexten: peer.regexten,
      regcontext: peer.regcontext,
      qualify: previous?.qualify !== undefined && !moved ? previous.qualify : { status: 'UNKNOWN' },
    };
  }

  /** The registration is granted: kept here, located, expired in time, REGACKed, qualified. */
  private grant(peer: IaxPeer, registration: Registration, previous: Registration | undefined, acked: () => void): void {
    const from = { address: registration.address, port: registration.port };
    const moved = previous !== undefined && (previous.address !== from.address || previous.port !== from.port);
    this.counts.registered++;
    this.granted.set(peer.name, registration);
    this.context.logger.info('peer registered', { peer: peer.name, address: `${from.address}:${from.port}`, refreshS: registration.refreshS });
    this.scheduleExpiry(registration);
    this.locate(peer.name, from);
    this.options.engine.callNumbers.setIpLimit(from.address, peer.name, peer.maxCallNumbers);
    acked();
    this.events.emit('registered', { registration, moved });
    // A new address is qualified at once (protocol.md §9.1).
    if (peer.qualify !== undefined && peer.qualify.maxMs > 0) this.qualify.monitor(peer.name, from, peer.qualify, moved || previous === undefined);
  }

  private unregister(peer: IaxPeer, acked: () => void, failed: () => void): void {
    const deferred = this.options.deferredWrites;
    const removed = (): void => {
      this.clearExpiry(peer.name);
      this.forgetAddress(peer.name);
      this.granted.delete(peer.name);
      this.qualify.forget(peer.name);
      acked();
      this.events.emit('unregistered', { name: peer.name });
    };
    const fromMemory = (why: string, error?: unknown): void => {
      this.counts.deferred++;
      this.logStore('registration removed from memory; its store removal is queued', { peer: peer.name, why, error });
      deferred?.remove(peer.name);
      removed();
    };
    if (deferred?.failing === true) return fromMemory('the store is failing');
    const attempt = new StoreAttempt(this.context.clock, deferred === undefined ? undefined : this.storeWaitMs, () => fromMemory('the store did not answer in time'));
    settle(this.store.remove(peer.name), () => {
      if (!attempt.decide()) return;
      deferred?.cancel(peer.name);
      removed();
    }, (error) => {
      if (!attempt.decide()) return;
      if (deferred !== undefined) return fromMemory('registration not removed', error);
      this.context.logger.error('registration not removed', { error, peer: peer.name });
      failed();
    });
  }

  private scheduleExpiry(registration: Registration): void {
    this.clearExpiry(registration.name);
    const delay = registration.expiresAt - this.context.clock.wallNow();
    this.expiryTimers.set(registration.name, this.context.clock.setTimer(delay, () => {
      this.expiryTimers.delete(registration.name);
      this.forgetAddress(registration.name);
      this.granted.delete(registration.name);
      const lapsed = (): void => {
        this.counts.expired++;
        this.logExpiry(registration);
        this.qualify.forget(registration.name);
        this.events.emit('expired', { name: registration.name });
      };
      // Only this very registration: a refresh since then has moved expiresAt on.
      settle(this.store.remove(registration.name, registration.expiresAt), (removed) => {
        if (removed) lapsed();
      }, (error) => {
        const deferred = this.options.deferredWrites;
        if (deferred === undefined) return this.context.logger.error('expiry failed', { error, name: registration.name });
        // The store is out: the registration lapsed here all the same, and the store learns it later.
        this.logStore('registration expired in memory; its store removal is queued', { peer: registration.name, error });
        deferred.remove(registration.name, registration.expiresAt);
        lapsed();
      });
    }));
  }

  /** The box stopped refreshing: the one line that says so (the store only loses the record). */
  private logExpiry(registration: Registration): void {
    const admitted = this.expiryLog.admit(registration.tenant ?? '-');
    if (!admitted.write) return;
    this.context.logger.info('registration expired', {
      peer: registration.name,
      tenant: registration.tenant,
      address: `${registration.address}:${registration.port}`,
      cause: `no REGREQ within the granted refresh of ${registration.refreshS} s + ${EXPIRY_GRACE_S} s`,
      ...(admitted.suppressed > 0 ? { suppressedSimilar: admitted.suppressed } : {}),
    });
  }

  private logStore(message: string, context: Record<string, unknown>): void {
    const admitted = this.storeLog.admit(message);
    if (admitted.write) this.context.logger.warn(message, { ...context, ...(admitted.suppressed > 0 ? { suppressedSimilar: admitted.suppressed } : {}) });
  }

  private locate(name: string, from: RemoteAddress): void {
    this.forgetAddress(name);
    const remote = { address: from.address, port: from.port };
    this.addresses.set(name, remote);
    this.peersByAddress.set(addressKey(remote), name);
  }

  private forgetAddress(name: string): void {
    const previous = this.addresses.get(name);
    if (previous === undefined) return;
    this.addresses.delete(name);
    // The peer's own maxcallnumbers goes with its registration (call-numbers.ts).
    this.options.engine.callNumbers.setIpLimit(previous.address, name, undefined);
    const key = addressKey(previous);
    if (this.peersByAddress.get(key) === name) this.peersByAddress.delete(key);
  }

  private clearExpiry(name: string): void {
    this.context.clock.clearTimer(this.expiryTimers.get(name));
    this.expiryTimers.delete(name);
  }

  close(): void {
    for (const timer of this.expiryTimers.values()) this.context.clock.clearTimer(timer);
    this.expiryTimers.clear();
    this.addresses.clear();
    this.granted.clear();
    this.peersByAddress.clear();
    this.qualify.close();
    this.events.removeAll();
  }
}
