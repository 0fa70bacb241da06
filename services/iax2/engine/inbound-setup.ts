/**
 * The callee's side of call setup, after the engine has checked the call token and allocated
 * a call number (iax2-facts §6, §8, §11.1): AUTHREQ with a fresh challenge, AUTHREP checked
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
  FrameType,
  IaxCommand,
  IeId,
  ieFormat,
  ieNumber,
  ieString,
  lowFormatBits,
  peerCapability,
  type FullFrame,
  type Ie,
} from '../codec/index.ts';
import { md5Key, splitSecrets } from '../crypto/index.ts';
import { aclAllows } from '../acl.ts';
import { authMethodsFor, isUnauthenticated, type IaxUser } from '../peer-directory.ts';
import { AUTH_BITS, credentialsOf, methodBits, verifyAnswer } from './authenticate.ts';
import { AesCallCipher } from './call-cipher.ts';
import { chooseFormat, NO_COMMON_CODEC } from './codec-negotiation.ts';
import type { SetupContext } from './setup-context.ts';
import type { RefusalReason } from './refusals.ts';
import { addressKey } from '../transport.ts';

export const NO_AUTHORITY = { cause: 'No authority found', causeCode: 50 } as const;
export const AUTH_LIMIT = { cause: 'Unauthenticated call limit reached', causeCode: 21 } as const;
/** Challenges a user may have outstanding from the address it is registered at. */
export const REGISTERED_AUTHREQ_LIMIT = 256;


/** What the engine's user learns about an incoming call. */
export interface IncomingCallInfo {
  username: string | undefined;
  user: IaxUser | undefined;
  calledNumber: string;
  calledContext: string | undefined;
  callingNumber: string | undefined;
  callingName: string | undefined;
  language: string | undefined;
  peerCapability: bigint;
  peerFormat: bigint;
  peerPrefs: bigint[];
  encrypted: boolean;
}

export class InboundSetup implements CallSetupHandler {
  private challenge = '';
  private methods = 0;
  private decoy = false;
  /** Every secret the caller may have used (for MD5 and the AES key). */
  private secrets: string[] = [];
  /** Those that came from `dbsecret`. */
  private dbSecrets: string[] = [];
  private encryptionAgreed = false;
  private countedAuthReq = false;
  /** The maxauthreq counter this call's challenge counts in: user and source address. */
  private authReqKey: string | undefined;
  private decoyReason: RefusalReason = 'unknown-name';
  private started = false;
  readonly info: IncomingCallInfo;

  constructor(
    private readonly ctx: SetupContext,
    private readonly call: Call,
    newFrame: FullFrame,
    private readonly user: IaxUser | undefined,
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
    };
    Object.assign(call.info, { incoming: this.info });
    call.events.on('closed', () => this.releaseAuthReq());
  }

  handle(frame: FullFrame): boolean {
    if (frame.frameType !== FrameType.IAX) return false;
    if (frame.subclass === IaxCommand.NEW && !this.started) {
      this.started = true;
      this.begin(frame);
      return true;
    }
    if (frame.subclass === IaxCommand.AUTHREP && this.call.state === CallState.AuthReqSent) {
      this.onAuthRep(frame);
      return true;
    }
    return false;
  }

  private begin(frame: FullFrame): void {
    const ies = frame.ies ?? [];
    this.call.transition(CallState.NewReceived);
    // A newer protocol version than ours is refused as Asterisk does (§0).
    if ((ieNumber(ies, IeId.VERSION) ?? 2) > 2) {
      this.refuse('protocol-version', NO_AUTHORITY);
      return;
    }
    const user = this.user;
    const allowed = user !== undefined && aclAllows(user.acl, this.call.remote.address);
    if (user === undefined || !allowed) {
      if (this.info.username === undefined) {
        // No name, no registration at this address and no password-less user: Asterisk
        // rejects at once.
        this.refuse('no-user', NO_AUTHORITY);
        return;
      }
      this.decoyReason = user === undefined ? 'unknown-name' : 'user-acl';
      this.sendDecoy();
      return;
    }
    if (user.forceEncryption === true && user.secrets.length === 0 && user.dbsecret === undefined) {
      this.refuse('encryption-required', NO_AUTHORITY);
      return;
    }
    if (isUnauthenticated(user)) {
      this.authenticated();
      return;
    }
    this.authReqKey = `${user.name}\n${addressKey(this.call.remote)}`;
    if ((this.ctx.authReqOutstanding.get(this.authReqKey) ?? 0) >= this.authReqLimit(user)) {
      this.refuse('auth-limit', AUTH_LIMIT);
      return;
    }
    this.sendAuthReq(user, ies);
  }

  /** Gathers the user's secrets (dbsecret from the directory, maybe asynchronously), then challenges. */
  private sendAuthReq(user: IaxUser, newIes: readonly Ie[]): void {
    this.secrets = [...user.secrets.flatMap(splitSecrets)];
    if (user.dbsecret !== undefined && this.ctx.directory.resolveDbSecret !== undefined) {
      const [family = '', key = ''] = user.dbsecret.split('/');
      const found = this.ctx.directory.resolveDbSecret(family, key, user.name);
      if (found instanceof Promise) {
        found
          .catch((error: unknown) => {
            this.ctx.logger.error('dbsecret lookup failed', { error, user: user.name });
            return undefined;
          })
          .then((secret) => {
            if (this.call.closed) return;
            if (secret !== undefined) this.addDbSecret(secret);
            this.sendChallenge(user, newIes);
          })
          .catch((error: unknown) => this.ctx.logger.error('AUTHREQ failed', { error }));
        return;
      }
      if (found !== undefined) this.addDbSecret(found);
    }
    this.sendChallenge(user, newIes);
  }

  private addDbSecret(secret: string): void {
    this.dbSecrets.push(secret);
    this.secrets.push(...splitSecrets(secret));
  }

  private sendChallenge(user: IaxUser, newIes: readonly Ie[]): void {
    const methods = authMethodsFor(user);
    this.methods = methodBits(methods);
    this.ctx.lastAuthMethods = this.methods;
    this.challenge = this.ctx.newChallenge();
    const ies: Ie[] = [{ id: IeId.AUTHMETHODS, value: this.methods }];
    if ((this.methods & (AUTH_BITS.md5 | AUTH_BITS.rsa)) !== 0) ies.push({ id: IeId.CHALLENGE, value: this.challenge });
    // Encryption only when both ask for it and MD5 or RSA is in play (§11.1).
    const asked = ieNumber(newIes, IeId.ENCRYPTION) ?? 0;
    if (user.encryption === true && (asked & EncryptionMethod.AES128) !== 0 && (this.methods & 0x6) !== 0 && this.secrets.length > 0) {
      this.encryptionAgreed = true;
      ies.push({ id: IeId.ENCRYPTION, value: EncryptionMethod.AES128 });
    }
    ies.push({ id: IeId.USERNAME, value: user.name });
    this.countAuthReq();
    this.call.transition(CallState.AuthReqSent);
    this.call.sendIax(IaxCommand.AUTHREQ, ies);
    if (this.encryptionAgreed) {
      // The AUTHREQ went in clear; from now on we expect ciphertext, keyed by whichever
      // secret the caller used (§11.1).
      const keys = this.secrets.map((secret) => md5Key(this.challenge, secret));
      this.call.cipher = new AesCallCipher(keys[0]!, keys, this.call.localCall);
      // We rotate only when the caller said it can take RTKEY (§11.1).
      this.call.rotateKeys = (asked & EncryptionMethod.KEY_ROTATION) !== 0;
      this.info.encrypted = true;
    }
  }

  /** Unknown name or refused address: an AUTHREQ like any other; every answer fails (§6.4). */
  private sendDecoy(): void {
    this.decoy = true;
    this.challenge = this.ctx.newChallenge();
    this.call.transition(CallState.AuthReqSent);
    this.call.sendIax(IaxCommand.AUTHREQ, [
      { id: IeId.AUTHMETHODS, value: this.ctx.lastAuthMethods },
      { id: IeId.CHALLENGE, value: this.challenge },
      { id: IeId.USERNAME, value: this.info.username ?? '' },
    ]);
  }

  private onAuthRep(frame: FullFrame): void {
    this.releaseAuthReq();
    const ies = frame.ies ?? [];
    if (this.decoy || this.user === undefined || !this.verify(this.user, ies)) {
      this.ctx.stats.authFailures++;
      this.rejectLater(this.decoy ? this.decoyReason : 'auth-failed', NO_AUTHORITY);
      return;
    }
    if (this.user.forceEncryption === true && !this.encryptionAgreed) {
      this.rejectLater('encryption-required', NO_AUTHORITY);
      return;
    }
    this.authenticated();
  }

  private verify(user: IaxUser, ies: readonly Ie[]): boolean {
    const credentials = credentialsOf(user.secrets, this.dbSecrets, this.ctx.publicKeys(user.inkeys));
    return verifyAnswer(this.methods, this.challenge, ies, credentials);
  }

  private rejectLater(reason: RefusalReason, answer: { cause: string; causeCode: number }): void {
    const reject = (): void => this.refuse(reason, answer);
    if (this.ctx.delayRejectMs > 0) this.ctx.clock.setTimer(this.ctx.delayRejectMs, reject);
    else reject();
  }

  private authenticated(): void {
    this.call.transition(CallState.Authenticated);
    this.ctx.onIncomingCall(this.call, this.info);
  }

  /**
   * Accepts the call with the negotiated format (or `format` when the user chose one):
   * ACCEPT carries FORMAT (low 32 bits) and FORMAT2 (§6.3). No common format: REJECT 58.
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
      this.refuse('no-common-codec', NO_COMMON_CODEC);
      return undefined;
    }
    this.call.sendIax(IaxCommand.ACCEPT, [
      { id: IeId.FORMAT, value: lowFormatBits(chosen) },
      { id: IeId.FORMAT2, value: chosen },
    ]);
    this.call.started(chosen);
    return chosen;
  }

  /**
   * `maxauthreq` (§8.6) counts per user and source address, so nobody elsewhere can use up a
   * user's allowance and lock it out. From the address the user is registered at (the flow
   * that already proved its secret) a burst of calls is the box itself: it may have up to
   * REGISTERED_AUTHREQ_LIMIT challenges outstanding.
   */
  private authReqLimit(user: IaxUser): number {
    const limit = user.maxAuthReq ?? 3;
    const registered = this.ctx.directory.registeredAddress?.(user.name);
    const fromThere = registered !== undefined && registered.address === this.call.remote.address && registered.port === this.call.remote.port;
    return fromThere ? Math.max(limit, REGISTERED_AUTHREQ_LIMIT) : limit;
  }

  private refuse(reason: RefusalReason, answer: { cause: string; causeCode: number }): void {
    this.ctx.refusals.record(reason, 'call', { from: addressKey(this.call.remote), username: this.info.username, user: this.user?.name });
    this.call.reject(answer.cause, answer.causeCode);
  }

  private countAuthReq(): void {
    if (this.authReqKey === undefined) return;
    this.countedAuthReq = true;
    this.ctx.authReqOutstanding.set(this.authReqKey, (this.ctx.authReqOutstanding.get(this.authReqKey) ?? 0) + 1);
  }

  private releaseAuthReq(): void {
    if (!this.countedAuthReq || this.authReqKey === undefined) return;
    this.countedAuthReq = false;
    const left = (this.ctx.authReqOutstanding.get(this.authReqKey) ?? 1) - 1;
    if (left <= 0) this.ctx.authReqOutstanding.delete(this.authReqKey);
    else this.ctx.authReqOutstanding.set(this.authReqKey, left);
  }
}
