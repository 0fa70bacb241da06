/**
 * The callee's side of call setup, after admission has checked the call token and allocated
 * a call number (protocol.md §6, §8, §11.1): AUTHREQ with a fresh challenge, AUTHREP checked
 * by RSA, MD5 or plaintext in Asterisk's order, encryption agreed, then the engine's user is
 * told of the call and accepts (ACCEPT with the negotiated format) or rejects it.
 *
 * Unknown users, users whose ACL refuses the source and wrong credentials all look the same
 * from outside: an AUTHREQ, then REJECT "No authority found" (50) after the same delay.
 */
import type { Call, CallSetupHandler } from '../call/call.ts';
import { CallState } from '../call/call-state.ts';
import { decodeCodecPrefs } from '../codec/codec-prefs.ts';
import {
  EncryptionMethod,
  IaxCommand,
  IeId,
  ieFormat,
  ieNumber,
  ieString,
  lowFormatBits,
  peerCapability,
  RejectReason,
  type FullFrame,
  type Ie,
  type Refusal,
} from '../codec/index.ts';
import { md5Key } from '../crypto/index.ts';
import { aclAllows } from '../acl.ts';
import { checkAnswer } from '../dialog/answer-check.ts';
import { AUTH_BITS } from '../dialog/authenticate.ts';
import type { RefusalReason } from '../dialog/refusals.ts';
import { challengeMethods, refuseAfterDelay, routeServerDialog, ServerChallenge, withDbSecrets } from '../dialog/server-challenge.ts';
import { isUnauthenticated, type IaxUser } from '../peer-directory.ts';
import { addressKey } from '../transport.ts';
import { DEFAULT_MAX_AUTHREQ } from './auth-req-limits.ts';
import { AesCallCipher } from './call-cipher.ts';
import { chooseFormat } from './codec-negotiation.ts';
import { variablesOf, type IncomingCallInfo } from './incoming-call.ts';
import type { SetupContext } from './setup-context.ts';

const CALL_COMMANDS: { opening: readonly number[]; answer: readonly number[] } = { opening: [IaxCommand.NEW], answer: [IaxCommand.AUTHREP] };

export class InboundSetup implements CallSetupHandler {
  readonly info: IncomingCallInfo;
  private readonly challenge: ServerChallenge;
  private encryptionAgreed = false;
  /** Gives back this call's place in the user's maxauthreq allowance (protocol.md §8.6). */
  private releaseAuthReq: () => void = () => {};
  private decoyReason: RefusalReason = 'unknown-name';
  /** An AUTHREP is being checked (maybe waiting on the store): copies of it are ignored. */
  private checking = false;

  constructor(
    private readonly ctx: SetupContext,
    private readonly call: Call,
    newFrame: FullFrame,
    private user: IaxUser | undefined,
  ) {
    const ies = newFrame.ies ?? [];
    this.info = {
      username: ieString(ies, IeId.USERNAME),
      user,
      calledNumber: ieString(ies, IeId.CALLED_NUMBER) ?? 's',
      calledContext: ieString(ies, IeId.CALLED_CONTEXT),
      callingNumber: ieString(ies, IeId.CALLING_NUMBER),
      callingName: ieString(ies, IeId.CALLING_NAME),
      language: ieString(ies, IeId.LANGUAGE),
      peerCapability: peerCapability(ies),
      peerFormat: ieFormat(ies, IeId.FORMAT, IeId.FORMAT2),
      peerPrefs: decodeCodecPrefs(ieString(ies, IeId.CODEC_PREFS) ?? ''),
      encrypted: false,
      variables: variablesOf(ies, IeId.VARIABLE),
    };
    this.challenge = new ServerChallenge(ctx, call, IaxCommand.AUTHREQ);
    call.events.on('closed', () => this.releaseAuthReq());
  }

  handle(frame: FullFrame): boolean {
    return routeServerDialog(this.call, frame, CALL_COMMANDS, (f) => this.begin(f), (f) => this.onAuthRep(f));
  }

  private begin(frame: FullFrame): void {
    const ies = frame.ies ?? [];
    this.call.requestReceived();
    // A newer protocol version than ours is refused as Asterisk does (protocol.md §0).
    if ((ieNumber(ies, IeId.VERSION) ?? 2) > 2) {
      this.refuse('protocol-version', RejectReason.NO_AUTHORITY);
      return;
    }
    const user = this.user;
    if (user === undefined || !aclAllows(user.acl, this.call.remote.address)) {
      if (this.info.username === undefined) {
        // No name, no registration at this address and no password-less user: Asterisk
        // rejects at once.
        this.refuse('no-user', RejectReason.NO_AUTHORITY);
        return;
      }
      this.decoyReason = user === undefined ? 'unknown-name' : 'user-acl';
      // Counted like a real challenge, so the fourth unanswered NEW is refused with the same
      // cause 21 whether or not the name exists: no oracle of names (protocol.md §8.6).
      if (!this.takeAuthReq(this.info.username, DEFAULT_MAX_AUTHREQ)) return;
      this.challenge.sendDecoy(this.info.username);
      return;
    }
    if (user.forceEncryption === true && user.secrets.length === 0 && user.dbsecret === undefined) {
      this.refuse('encryption-required', RejectReason.NO_AUTHORITY);
      return;
    }
    if (isUnauthenticated(user)) {
      this.authenticated();
      return;
    }
    if (!this.takeAuthReq(user.name, user.maxAuthReq ?? DEFAULT_MAX_AUTHREQ)) return;
    const asked = ieNumber(ies, IeId.ENCRYPTION) ?? 0;
    withDbSecrets(this.ctx, user, this.ctx.directory.resolveDbSecret?.bind(this.ctx.directory), (dbSecrets) => {
      if (!this.call.closed) this.sendChallenge(user, dbSecrets, asked);
    });
  }

  /** One more challenge outstanding for `name` from this address, or the call refused with cause 21. */
  private takeAuthReq(name: string, maxAuthReq: number): boolean {
    const release = this.ctx.authReqs.take(name, this.call.remote, maxAuthReq, this.ctx.directory.registeredAddress?.(name));
    if (release === undefined) {
      this.refuse('auth-limit', RejectReason.AUTH_LIMIT);
      return false;
    }
    this.releaseAuthReq = release;
    return true;
  }

  private sendChallenge(user: IaxUser, dbSecrets: string[], asked: number): void {
    const methods = challengeMethods(user);
    const haveSecret = user.secrets.length > 0 || dbSecrets.length > 0;
    // Encryption only when both ask for it and MD5 or RSA is in play (protocol.md §11.1).
    this.encryptionAgreed = user.encryption === true && (asked & EncryptionMethod.AES128) !== 0 && (methods & (AUTH_BITS.md5 | AUTH_BITS.rsa)) !== 0 && haveSecret;
    this.challenge.send(user, dbSecrets, this.encryptionAgreed ? [{ id: IeId.ENCRYPTION, value: EncryptionMethod.AES128 }] : []);
    if (!this.encryptionAgreed) return;
    // The AUTHREQ went in clear; from now on we expect ciphertext, keyed by whichever secret
    // the caller used (protocol.md §11.1). We rotate only when the caller said it can take RTKEY.
    const keys = this.challenge.secrets.map((secret) => md5Key(this.challenge.text, secret));
    this.call.encryptWith(new AesCallCipher(keys[0]!, keys, this.call.localCall), { rotateKeys: (asked & EncryptionMethod.KEY_ROTATION) !== 0 });
    this.info.encrypted = true;
  }

  private onAuthRep(frame: FullFrame): void {
    if (this.checking) return;
    this.checking = true;
    const user = this.user;
    const recheck = this.ctx.directory.recheckUser?.bind(this.ctx.directory);
    if (user === undefined) return this.answerChecked(undefined);
    checkAnswer(this.challenge, frame.ies ?? [], user, recheck, (passed) => {
      if (!this.call.closed) this.answerChecked(passed);
    });
  }

  /** The AUTHREP passed for `passed` (the user as the store has it now), or failed. */
  private answerChecked(passed: IaxUser | undefined): void {
    if (passed === undefined) {
      this.ctx.authFailed();
      const name = this.info.username;
      const delay = this.ctx.failures.failed('call', name, this.call.remote, name === undefined ? undefined : this.ctx.directory.registeredAddress?.(name), this.ctx.delayRejectMs);
      // The maxauthreq slot is held until the refusal goes: waiting out slow refusals in
      // parallel is bounded by it too.
      refuseAfterDelay(this.ctx, () => {
        this.releaseAuthReq();
        this.refuse(this.challenge.isDecoy ? this.decoyReason : 'auth-failed', RejectReason.NO_AUTHORITY);
      }, delay);
      return;
    }
    this.user = passed;
    this.releaseAuthReq();
    if (passed.forceEncryption === true && !this.encryptionAgreed) {
      this.refuseLater('encryption-required', RejectReason.NO_AUTHORITY);
      return;
    }
    this.authenticated();
  }

  private authenticated(): void {
    this.call.authenticated();
    this.ctx.onIncomingCall(this.call, this.info);
  }

  /**
   * Accepts the call with the negotiated format (or `format` when the user chose one):
   * ACCEPT carries FORMAT (low 32 bits) and FORMAT2 (protocol.md §6.3). No common format: REJECT 58.
   */
  accept(format?: bigint): bigint | undefined {
    if (this.call.state !== CallState.Authenticated) return undefined;
    const user = this.user;
    const chosen =
      format ??
      chooseFormat({
        hostCapability: user?.capability ?? this.ctx.defaultCapability,
        hostPrefs: user?.prefs ?? [],
        peerCapability: this.info.peerCapability,
        peerFormat: this.info.peerFormat,
        peerPrefs: this.info.peerPrefs,
        priority: user?.codecPriority ?? 'host',
      });
    if (chosen === undefined) {
      this.refuse('no-common-codec', RejectReason.NO_COMMON_CODEC);
      return undefined;
    }
    const ies: Ie[] = [
      { id: IeId.FORMAT, value: lowFormatBits(chosen) },
      { id: IeId.FORMAT2, value: chosen },
    ];
    this.call.sendIax(IaxCommand.ACCEPT, ies);
    this.call.started(chosen);
    return chosen;
  }

  private refuse(reason: RefusalReason, answer: Refusal): void {
    this.ctx.refusals.record(reason, 'call', { from: addressKey(this.call.remote), username: this.info.username, user: this.user?.name });
    this.call.reject(answer.cause, answer.causeCode);
  }

  private refuseLater(reason: RefusalReason, answer: Refusal): void {
    refuseAfterDelay(this.ctx, () => this.refuse(reason, answer));
  }
}
