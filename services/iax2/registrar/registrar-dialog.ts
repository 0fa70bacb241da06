/**
 * One registration exchange on the server (protocol.md §9.1): REGREQ (token already checked) ->
 * REGAUTH with a challenge -> REGREQ with the answer -> REGACK, or REGREJ. REGREL goes the
 * same way and removes the registration. Unknown peers, peers that may not register (not
 * dynamic, refused by their ACL) and wrong answers all see the same REGAUTH and the same
 * REGREJ after the same delay, so peer names cannot be probed.
 */
import type { Call, CallSetupHandler } from '../call/call.ts';
import { dateTimeAt, FrameType, IaxCommand, IeId, ieNumber, ieString, RejectReason, type FullFrame, type Ie } from '../codec/index.ts';
import { aclAllows } from '../acl.ts';
import type { DialogContext } from '../dialog/dialog-context.ts';
import type { RefusalReason } from '../dialog/refusals.ts';
import { checkAnswer, type Recheck } from '../dialog/answer-check.ts';
import { refuseAfterDelay, routeServerDialog, ServerChallenge, withDbSecrets } from '../dialog/server-challenge.ts';
import type { IaxPeer } from '../peer-directory.ts';
import { addressKey, type RemoteAddress } from '../transport.ts';

/** What a registration dialog may ask of the registrar that opened it. */
export interface RegistrarServices {
  readonly context: DialogContext;
  /** The zone the REGACK's DATETIME is given in. */
  readonly timeZone: string;
  resolveDbSecret?(family: string, key: string, owner: string): string | undefined | Promise<string | undefined>;
  /** REFRESH as granted: the asked value clamped to [min, max] (protocol.md §9.1). */
  clampRefresh(asked: number | undefined): number;
  /** Stores the registration (rtupdate), then `acked` (or `failed`). */
  register(peer: IaxPeer, from: RemoteAddress, refreshS: number, acked: () => void, failed: () => void): void;
  unregister(peer: IaxPeer, acked: () => void, failed: () => void): void;
  /** A real REGAUTH went out with these methods: decoys show them from now on (protocol.md §6.4). */
  challenged(methods: number): void;
  /** The peer as the store has it now, to check an answer against (answer-check.ts). */
  recheckPeer?: Recheck<IaxPeer>;
  /** A challenge for `name` from `from` failed: counted, and how long its REGREJ waits (auth-failures.ts). */
  authFailed(name: string | undefined, from: RemoteAddress): number;
  /** A REGREJ is on its way, for this reason. */
  refused(reason: RefusalReason, context: Record<string, unknown>): void;
}

const REGISTRATION_COMMANDS: { opening: readonly number[]; answer: readonly number[] } = { opening: [IaxCommand.REGREQ, IaxCommand.REGREL], answer: [IaxCommand.REGREQ, IaxCommand.REGREL] };

export class RegistrarDialog implements CallSetupHandler {
  private readonly challenge: ServerChallenge;
  private readonly command: number;
  private readonly username: string | undefined;
  private decoyReason: RefusalReason = 'unknown-name';
  /** An answer is being checked (maybe waiting on the store): copies of it are ignored. */
  private checking = false;

  constructor(
    private readonly registrar: RegistrarServices,
    private readonly call: Call,
    request: FullFrame,
    private peer: IaxPeer | undefined,
  ) {
    this.command = request.subclass;
    this.username = ieString(request.ies, IeId.USERNAME);
    this.challenge = new ServerChallenge(registrar.context, call, IaxCommand.REGAUTH);
  }

  handle(frame: FullFrame): boolean {
    if (routeServerDialog(this.call, frame, REGISTRATION_COMMANDS, (f) => this.begin(f), (f) => this.answered(f))) return true;
    // Any other REGREQ/REGREL on this dialog (a copy while the answer is checked) is its own, and ignored.
    return frame.frameType === FrameType.IAX && REGISTRATION_COMMANDS.opening.includes(frame.subclass);
  }

  private begin(frame: FullFrame): void {
    this.call.requestReceived();
    const peer = this.peer;
    const mayRegister = peer !== undefined && peer.dynamic && aclAllows(peer.acl, this.call.remote.address);
    if (!mayRegister) {
      this.decoyReason = peer === undefined ? 'unknown-name' : !peer.dynamic ? 'not-dynamic' : 'user-acl';
      this.challenge.sendDecoy(this.username ?? '');
      return;
    }
    if (peer.secrets.length === 0 && peer.dbsecret === undefined && peer.inkeys.length === 0) {
      // Nothing to prove: REGACK straight after the token step (protocol.md §9.1).
      this.accept(frame, peer);
      return;
    }
    withDbSecrets(this.registrar.context, peer, this.registrar.resolveDbSecret?.bind(this.registrar), (dbSecrets) => {
      if (this.call.closed) return;
      this.challenge.send(peer, dbSecrets);
      this.registrar.challenged(this.challenge.methodBits);
    });
  }

  private answered(frame: FullFrame): void {
    if (this.checking) return;
    this.checking = true;
    const failed = (): void => this.refuse(this.challenge.isDecoy ? this.decoyReason : 'auth-failed', this.registrar.authFailed(this.username, this.call.remote));
    const peer = this.peer;
    if (peer === undefined) return failed();
    checkAnswer(this.challenge, frame.ies ?? [], peer, this.registrar.recheckPeer, (passed) => {
      if (this.call.closed) return;
      if (passed === undefined) return failed();
      this.peer = passed;
      this.accept(frame, passed);
    });
  }

  private accept(frame: FullFrame, peer: IaxPeer): void {
    if (this.call.closed) return;
    const now = this.registrar.context.clock.wallNow();
    const base: Ie[] = [
      { id: IeId.USERNAME, value: peer.name },
      { id: IeId.DATETIME, value: dateTimeAt(new Date(now), this.registrar.timeZone) },
    ];
    if (this.command === IaxCommand.REGREL) {
      // REGREL's REGACK holds only USERNAME and DATETIME (protocol.md §9.1).
      this.registrar.unregister(peer, () => this.call.finish(IaxCommand.REGACK, base), () => this.refuse('store-failed'));
      return;
    }
    const refreshS = this.registrar.clampRefresh(ieNumber(frame.ies, IeId.REFRESH));
    const remote = this.call.remote;
    const ies: Ie[] = [
      ...base,
      { id: IeId.REFRESH, value: refreshS },
      { id: IeId.APPARENT_ADDR, value: { family: remote.address.includes(':') ? 'IPv6' : 'IPv4', address: remote.address, port: remote.port } },
    ];
    if (peer.mailbox !== undefined) {
      const cap = (n: number): number => Math.max(0, Math.min(255, n));
      ies.push({ id: IeId.MSGCOUNT, value: (cap(peer.mailbox.oldMessages) << 8) | cap(peer.mailbox.newMessages) });
    }
    if (peer.callerId?.number !== undefined) ies.push({ id: IeId.CALLING_NUMBER, value: peer.callerId.number });
    if (peer.callerId?.name !== undefined) ies.push({ id: IeId.CALLING_NAME, value: peer.callerId.name });
    this.registrar.register(peer, remote, refreshS, () => this.call.finish(IaxCommand.REGACK, ies), () => this.refuse('store-failed'));
  }

  /** REGREJ "Registration Refused" (29), after `delayreject` when set, or `delayMs` (protocol.md §6.4). */
  private refuse(reason: RefusalReason, delayMs?: number): void {
    this.registrar.refused(reason, { from: addressKey(this.call.remote), peer: this.username });
    refuseAfterDelay(this.registrar.context, () =>
      this.call.finish(IaxCommand.REGREJ, [
        { id: IeId.CAUSE, value: RejectReason.REGISTRATION_REFUSED.cause },
        { id: IeId.CAUSECODE, value: RejectReason.REGISTRATION_REFUSED.causeCode },
      ]), delayMs);
  }
}
