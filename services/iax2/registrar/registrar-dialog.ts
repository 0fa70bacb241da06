/**
 * One registration exchange on the server (iax2-facts §9.1): REGREQ (token already checked) ->
 * REGAUTH with a challenge -> REGREQ with the answer -> REGACK, or REGREJ. REGREL goes the
 * same way and removes the registration. Unknown peers, peers that may not register (not
 * dynamic, refused by their ACL) and wrong answers all see the same REGAUTH and the same
 * REGREJ after the same delay, so peer names cannot be probed.
 */
import type { Call, CallSetupHandler } from '../call/call.ts';
import { CallState } from '../call/call-state.ts';
import { dateTimeAt, FrameType, IaxCommand, IeId, ieNumber, ieString, type FullFrame, type Ie } from '../codec/index.ts';
import { aclAllows } from '../acl.ts';
import { AUTH_BITS, credentialsOf, methodBits, verifyAnswer } from '../engine/authenticate.ts';
import { authMethodsFor, type IaxPeer } from '../peer-directory.ts';
import type { Registrar } from './registrar.ts';
import type { RefusalReason } from '../engine/refusals.ts';
import { addressKey } from '../transport.ts';

export const REGISTRATION_REFUSED = { cause: 'Registration Refused', causeCode: 29 } as const;

export class RegistrarDialog implements CallSetupHandler {
  private challenge = '';
  private methods = 0;
  private decoy = false;
  private command: number;
  private decoyReason: RefusalReason = 'unknown-name';
  private readonly username: string | undefined;

  constructor(
    private readonly registrar: Registrar,
    private readonly call: Call,
    request: FullFrame,
    private readonly peer: IaxPeer | undefined,
  ) {
    this.command = request.subclass;
    this.username = ieString(request.ies, IeId.USERNAME);
  }

  handle(frame: FullFrame): boolean {
    if (frame.frameType !== FrameType.IAX) return false;
    if (frame.subclass !== IaxCommand.REGREQ && frame.subclass !== IaxCommand.REGREL) return false;
    if (this.call.state === CallState.Idle) this.begin(frame);
    else if (this.call.state === CallState.AuthReqSent) this.answered(frame);
    return true;
  }

  private begin(frame: FullFrame): void {
    this.call.transition(CallState.NewReceived);
    const peer = this.peer;
    const mayRegister = peer !== undefined && peer.dynamic && aclAllows(peer.acl, this.call.remote.address);
    if (!mayRegister) {
      this.decoy = true;
      this.decoyReason = peer === undefined ? 'unknown-name' : !peer.dynamic ? 'not-dynamic' : 'user-acl';
      this.sendRegAuth(this.registrar.context.lastAuthMethods, ieString(frame.ies, IeId.USERNAME) ?? '');
      return;
    }
    if (peer.secrets.length === 0 && peer.dbsecret === undefined && peer.inkeys.length === 0) {
      // Nothing to prove: REGACK straight after the token step (§9.1).
      this.accept(frame, peer);
      return;
    }
    this.methods = methodBits(authMethodsFor(peer));
    this.registrar.context.lastAuthMethods = this.methods;
    this.sendRegAuth(this.methods, peer.name);
  }

  private sendRegAuth(methods: number, username: string): void {
    this.challenge = this.registrar.context.newChallenge();
    const ies: Ie[] = [{ id: IeId.AUTHMETHODS, value: methods }];
    if ((methods & (AUTH_BITS.md5 | AUTH_BITS.rsa)) !== 0) ies.push({ id: IeId.CHALLENGE, value: this.challenge });
    ies.push({ id: IeId.USERNAME, value: username });
    this.call.transition(CallState.AuthReqSent);
    this.call.sendIax(IaxCommand.REGAUTH, ies);
  }

  private answered(frame: FullFrame): void {
    const peer = this.peer;
    if (this.decoy || peer === undefined) {
      this.refuse(this.decoyReason);
      return;
    }
    this.registrar.secretsOf(peer, (extra) => {
      const credentials = credentialsOf(peer.secrets, extra, this.registrar.context.publicKeys(peer.inkeys));
      if (verifyAnswer(this.methods, this.challenge, frame.ies ?? [], credentials)) this.accept(frame, peer);
      else this.refuse('auth-failed');
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
      // REGREL's REGACK holds only USERNAME and DATETIME (§9.1).
      this.registrar.unregister(peer, () => this.call.finish(IaxCommand.REGACK, base), () => this.refuse('store-failed'));
      return;
    }
    const refreshS = this.registrar.clampRefresh(ieNumber(frame.ies, IeId.REFRESH));
    const ies: Ie[] = [
      ...base,
      { id: IeId.REFRESH, value: refreshS },
      { id: IeId.APPARENT_ADDR, value: { family: this.call.remote.address.includes(':') ? 'IPv6' : 'IPv4', address: this.call.remote.address, port: this.call.remote.port } },
    ];
    if (peer.mailbox !== undefined) {
      const cap = (n: number): number => Math.max(0, Math.min(255, n));
      ies.push({ id: IeId.MSGCOUNT, value: (cap(peer.mailbox.oldMessages) << 8) | cap(peer.mailbox.newMessages) });
    }
    if (peer.callerId?.number !== undefined) ies.push({ id: IeId.CALLING_NUMBER, value: peer.callerId.number });
    if (peer.callerId?.name !== undefined) ies.push({ id: IeId.CALLING_NAME, value: peer.callerId.name });
    this.registrar.register(peer, this.call.remote, refreshS, () => this.call.finish(IaxCommand.REGACK, ies), () => this.refuse('store-failed'));
  }

  /** REGREJ "Registration Refused" (29), after `delayreject` when set (§6.4). */
  private refuse(reason: RefusalReason): void {
    this.registrar.stats.rejected++;
    this.registrar.context.refusals.record(reason, 'registration', { from: addressKey(this.call.remote), peer: this.username });
    const reject = (): void =>
      this.call.finish(IaxCommand.REGREJ, [
        { id: IeId.CAUSE, value: REGISTRATION_REFUSED.cause },
        { id: IeId.CAUSECODE, value: REGISTRATION_REFUSED.causeCode },
      ]);
    const delay = this.registrar.context.delayRejectMs;
    if (delay > 0) this.registrar.context.clock.setTimer(delay, reject);
    else reject();
  }
}
