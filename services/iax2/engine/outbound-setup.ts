/**
 * The caller's side of call setup (protocol.md §6.1, §7.2, §8.4, §11.1): NEW with an empty
 * call token, the token round trip, AUTHREP by whatever method the callee asks for and we can
 * do, encryption switched on before the AUTHREP, and the ACCEPT's format checked. A call to a
 * callee that already has as many of our calls waiting on its challenge as its maxauthreq
 * allows waits its turn before its NEW goes out (dialog/challenge-window.ts).
 */
import type { Call, CallSetupHandler } from '../call/call.ts';
import { CallState } from '../call/call-state.ts';
import { encodeCodecPrefs } from '../codec/codec-prefs.ts';
import {
  dateTimeAt,
  EncryptionMethod,
  FrameType,
  IaxCommand,
  IeId,
  ieFormat,
  ieNumber,
  ieString,
  lowFormatBits,
  RejectReason,
  type FullFrame,
  type Ie,
  type Refusal,
} from '../codec/index.ts';
import { md5Key, type RsaPrivateKey } from '../crypto/index.ts';
import { describeMethods } from '../dialog/authenticate.ts';
import { ClientHandshake } from '../dialog/client-handshake.ts';
import type { RemoteAddress } from '../transport.ts';
import { addressKey } from '../transport.ts';
import { AesCallCipher } from './call-cipher.ts';
import { acceptable } from './codec-negotiation.ts';
import type { SetupContext } from './setup-context.ts';

export interface OutboundCallOptions {
  remote: RemoteAddress;
  calledNumber: string;
  calledContext?: string;
  username?: string;
  secret?: string;
  /** `outkey`: sign RSA challenges with this key. */
  outkey?: RsaPrivateKey;
  callingNumber?: string;
  callingName?: string;
  /** `sendani=yes`: the calling number also goes in CALLING_ANI. */
  sendAni?: boolean;
  language?: string;
  /** Formats we can do (CAPABILITY) and the one we would like (FORMAT). */
  capability: bigint;
  format: bigint;
  prefs?: readonly bigint[];
  encryption?: boolean;
  forceEncryption?: boolean;
  /** Send PASSWORD when the callee asks for plaintext; off unless asked (it exposes the secret). */
  allowPlaintext?: boolean;
  autokillMs?: number;
  /** The zone for the DATETIME IE. */
  timeZone?: string;
  /** False: mini frames straight across the 16-bit timestamp wrap, as Asterisk sends them (protocol.md §5.2). */
  fullVoiceAtWrap?: boolean;
  /** A call token made ahead (the worker mesh mints its own): the NEW carries it at once, no round trip. */
  callToken?: Buffer;
  /** More IEs for the NEW, before FORMAT (the VARIABLEs the worker mesh passes along). */
  extraIes?: readonly Ie[];
}

export class OutboundSetup implements CallSetupHandler {
  private readonly handshake: ClientHandshake;
  /** Frees our slot in the callee's challenge window. */
  private releaseSlot: () => void = () => {};

  constructor(
    private readonly ctx: SetupContext,
    private readonly call: Call,
    private readonly options: OutboundCallOptions,
  ) {
    this.handshake = new ClientHandshake(call, IaxCommand.NEW, (token) => this.newIes(token), options.callToken);
  }

  start(): void {
    const key = `${addressKey(this.call.remote)}\n${this.options.username ?? ''}`;
    this.releaseSlot = this.ctx.challengeWindow.acquire(key, () => {
      if (!this.call.closed) this.handshake.start();
    });
    this.call.events.on('closed', () => this.releaseSlot());
  }

  /** NEW's IEs in Asterisk's order, the CALLTOKEN always last (protocol.md §6.1). */
  private newIes(token: Buffer): Ie[] {
    const o = this.options;
    const ies: Ie[] = [
      { id: IeId.VERSION, value: 2 },
      { id: IeId.CALLED_NUMBER, value: o.calledNumber },
      { id: IeId.CODEC_PREFS, value: encodeCodecPrefs(o.prefs ?? [o.format]) },
    ];
    if (o.callingNumber !== undefined) {
      ies.push({ id: IeId.CALLING_NUMBER, value: o.callingNumber }, { id: IeId.CALLINGPRES, value: 0x00 });
    } else {
      ies.push({ id: IeId.CALLINGPRES, value: 0x43 });
    }
    ies.push({ id: IeId.CALLINGTON, value: 0 }, { id: IeId.CALLINGTNS, value: 0 }, { id: IeId.CALLINGANI2, value: 0 });
    if (o.callingName !== undefined) ies.push({ id: IeId.CALLING_NAME, value: o.callingName });
    if (o.sendAni === true && o.callingNumber !== undefined) ies.push({ id: IeId.CALLING_ANI, value: o.callingNumber });
    if (o.language !== undefined) ies.push({ id: IeId.LANGUAGE, value: o.language });
    if (o.calledContext !== undefined) ies.push({ id: IeId.CALLED_CONTEXT, value: o.calledContext });
    if (o.username !== undefined) ies.push({ id: IeId.USERNAME, value: o.username });
    if (o.encryption === true || o.forceEncryption === true) {
      ies.push({ id: IeId.ENCRYPTION, value: EncryptionMethod.AES128 | EncryptionMethod.KEY_ROTATION });
    }
    if (o.extraIes !== undefined) ies.push(...o.extraIes);
    ies.push(
      { id: IeId.FORMAT, value: lowFormatBits(o.format) },
      { id: IeId.FORMAT2, value: o.format },
      { id: IeId.CAPABILITY, value: lowFormatBits(o.capability) },
      { id: IeId.CAPABILITY2, value: o.capability },
      { id: IeId.ADSICPE, value: 0 },
      { id: IeId.DATETIME, value: dateTimeAt(new Date(this.ctx.clock.wallNow()), o.timeZone ?? 'UTC') },
      { id: IeId.CALLTOKEN, value: token },
    );
    return ies;
  }

  handle(frame: FullFrame): boolean {
    if (this.handshake.takeStateless(frame, (refusal) => this.statelesslyRefused(refusal))) return true;
    if (frame.frameType !== FrameType.IAX) return false;
    switch (frame.subclass) {
      case IaxCommand.AUTHREQ:
        if (this.call.state === CallState.NewSent) this.answerAuthReq(frame.ies ?? []);
        return true;
      case IaxCommand.ACCEPT:
        if (this.call.state === CallState.NewSent || this.call.state === CallState.AuthRepSent) this.onAccept(frame.ies ?? []);
        return true;
      default:
        return false;
    }
  }

  /** The stateless refusal (bad token, limits): no dialog; a cause only when it says one (maxauthreq). */
  private statelesslyRefused(refusal: FullFrame): void {
    this.call.events.emit('rejected', { cause: ieString(refusal.ies, IeId.CAUSE), causeCode: ieNumber(refusal.ies, IeId.CAUSECODE) });
    this.call.close('rejected');
  }

  /** RSA if we have an outkey and RSA is allowed; else MD5; else plaintext if allowed (protocol.md §8.4). */
  private answerAuthReq(ies: readonly Ie[]): void {
    const o = this.options;
    const challenge = ieString(ies, IeId.CHALLENGE);
    const encryption = ieNumber(ies, IeId.ENCRYPTION) ?? 0;
    const wantEncryption = o.encryption === true || o.forceEncryption === true;
    if (o.forceEncryption === true && (encryption & EncryptionMethod.AES128) === 0) {
      this.giveUp(RejectReason.NO_COMMON_CODEC, 'the callee will not encrypt and we must');
      return;
    }
    const reply = this.handshake.answerFor(ies, o);
    if (reply === undefined) {
      const asked = ieNumber(ies, IeId.AUTHMETHODS) ?? 0;
      this.giveUp(RejectReason.NO_AUTHORITY, `cannot answer the callee's challenge (it asks for ${describeMethods(asked)}; we have ${this.describeCredentials()})`);
      return;
    }
    // Encryption starts with the AUTHREP itself: the key is MD5(challenge ‖ secret) (protocol.md §11.1-11.2).
    if (wantEncryption && (encryption & EncryptionMethod.AES128) !== 0 && challenge !== undefined) {
      if (o.secret === undefined) {
        this.giveUp(RejectReason.NO_AUTHORITY, 'encryption agreed but we have no secret to key it');
        return;
      }
      this.call.encryptWith(new AesCallCipher(md5Key(challenge, o.secret)));
    }
    this.handshake.sendAnswer(IaxCommand.AUTHREP, [reply]);
    this.releaseSlot();
  }

  /**
   * We cannot go on (no credential the callee accepts, no encryption where it is required):
   * the leg ends now, as Asterisk's client hangs up when it cannot authenticate, and the
   * call's user hears why at once instead of waiting for a timer.
   */
  private giveUp(answer: Refusal, why: string): void {
    this.ctx.logger.warn('outbound call abandoned', { why, causeCode: answer.causeCode, to: addressKey(this.call.remote), username: this.options.username });
    // Asterisk's HANGUP carries CAUSECODE only (protocol.md §6.3).
    this.call.hangup(answer.causeCode);
    this.call.events.emit('hangup', { causeCode: answer.causeCode, cause: why });
  }

  private describeCredentials(): string {
    const o = this.options;
    const have = [o.outkey === undefined ? undefined : 'an RSA key', o.secret === undefined ? undefined : o.allowPlaintext === true ? 'a secret (MD5 or plaintext)' : 'a secret (MD5; plaintext not allowed)'];
    const list = have.filter((x) => x !== undefined);
    return list.length === 0 ? 'no credential' : list.join(' and ');
  }

  private onAccept(ies: readonly Ie[]): void {
    this.releaseSlot();
    const format = ieFormat(ies, IeId.FORMAT, IeId.FORMAT2);
    if (!acceptable(format, this.options.capability)) {
      this.call.reject(RejectReason.NO_COMMON_CODEC.cause, RejectReason.NO_COMMON_CODEC.causeCode);
      return;
    }
    this.call.started(format);
    this.call.events.emit('accepted', { format });
  }
}
