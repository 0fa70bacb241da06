/**
 * The challenging side of authentication, one for calls (NEW -> AUTHREQ -> AUTHREP) and
 * registrations (REGREQ -> REGAUTH -> REGREQ) alike (protocol.md §6.2, §8, §9.1): the methods a
 * principal is asked for, the challenge IEs in Asterisk's order, the decoy an unknown or
 * refused name gets (the same challenge, every answer to it fails, protocol.md §6.4), the check of the
 * answer, and the refusal held back by `delayreject`.
 */
import type { Call } from '../call/call.ts';
import { CallState } from '../call/call-state.ts';
import { FrameType, IeId, type FullFrame, type Ie } from '../codec/index.ts';
import { splitSecrets } from '../crypto/index.ts';
import { authMethodsFor, type IaxPrincipal } from '../peer-directory.ts';
import { AUTH_BITS, credentialsOf, methodBits, verifyAnswer } from './authenticate.ts';
import type { DialogContext } from './dialog-context.ts';

/** AUTHMETHODS bits a principal is asked for (protocol.md §8.1). */
export function challengeMethods(principal: IaxPrincipal): number {
  return methodBits(authMethodsFor(principal));
}

export class ServerChallenge {
  private challenge = '';
  private methods = 0;
  private decoy = false;
  private principal: IaxPrincipal | undefined;
  private dbSecrets: readonly string[] = [];

  /** `command`: AUTHREQ for calls, REGAUTH for registrations. */
  constructor(
    private readonly ctx: DialogContext,
    private readonly call: Call,
    private readonly command: number,
  ) {}

  /** The CHALLENGE sent (the AES key is MD5 of it and the secret, protocol.md §11.2). */
  get text(): string {
    return this.challenge;
  }

  get methodBits(): number {
    return this.methods;
  }

  get isDecoy(): boolean {
    return this.decoy;
  }

  /** Every secret the answer may have used, split on ';' (protocol.md §8.5): the configured ones, then dbsecret's. */
  get secrets(): string[] {
    return this.principal === undefined ? [] : [...this.principal.secrets.flatMap(splitSecrets), ...this.dbSecrets.flatMap(splitSecrets)];
  }

  /**
   * Challenges `principal`: AUTHMETHODS, CHALLENGE when MD5 or RSA is allowed, `extra` (a
   * call's ENCRYPTION), USERNAME (protocol.md §6.3). `dbSecrets` are its dbsecret values, read already.
   */
  send(principal: IaxPrincipal, dbSecrets: readonly string[], extra: readonly Ie[] = []): void {
    this.principal = principal;
    this.dbSecrets = dbSecrets;
    this.methods = challengeMethods(principal);
    this.sendWith(this.methods, principal.name, extra);
  }

  /** An unknown name, or one whose ACL refuses the address: a challenge like any other (protocol.md §6.4). */
  sendDecoy(username: string): void {
    this.decoy = true;
    this.sendWith(this.ctx.decoyMethods(), username, []);
  }

  private sendWith(methods: number, username: string, extra: readonly Ie[]): void {
    this.challenge = this.ctx.newChallenge();
    const ies: Ie[] = [{ id: IeId.AUTHMETHODS, value: methods }];
    if ((methods & (AUTH_BITS.md5 | AUTH_BITS.rsa)) !== 0) ies.push({ id: IeId.CHALLENGE, value: this.challenge });
    ies.push(...extra, { id: IeId.USERNAME, value: username });
    this.call.sendChallenge(this.command, ies);
  }

  /**
   * Checks the answer to the challenge sent: RSA, then MD5, then plaintext (protocol.md §8.4),
   * against `principal` (a fresher copy of the one challenged, answer-check.ts) or the one
   * challenged. A decoy's never passes.
   */
  verify(answer: readonly Ie[], principal: IaxPrincipal | undefined = this.principal): boolean {
    if (this.decoy || principal === undefined) return false;
    const credentials = credentialsOf(principal.secrets, this.dbSecrets, this.ctx.publicKeys(principal.inkeys));
    return verifyAnswer(this.methods, this.challenge, answer, credentials);
  }
}

/**
 * Routes the frames of a challenging dialog: the opening request (NEW, REGREQ, REGREL) while
 * the call is Idle goes to `begin`, the answer while it is challenged goes to `answered`.
 * True when the frame was the dialog's; other frames are left to the call.
 */
export function routeServerDialog(
  call: Call,
  frame: FullFrame,
  commands: { opening: readonly number[]; answer: readonly number[] },
  begin: (frame: FullFrame) => void,
  answered: (frame: FullFrame) => void,
): boolean {
  if (frame.frameType !== FrameType.IAX) return false;
  if (call.state === CallState.Idle && commands.opening.includes(frame.subclass)) {
    begin(frame);
    return true;
  }
  if (call.state === CallState.AuthReqSent && commands.answer.includes(frame.subclass)) {
    answered(frame);
    return true;
  }
  return false;
}

/**
 * Runs `refuse` after `delayreject` (at once without it), or after `delayMs` when the failure
 * throttle asked for longer: authentication refusals only (protocol.md §6.4).
 */
export function refuseAfterDelay(ctx: DialogContext, refuse: () => void, delayMs = ctx.delayRejectMs): void {
  if (delayMs > 0) ctx.clock.setTimer(delayMs, refuse);
  else refuse();
}

/**
 * A principal's `dbsecret` value, read through `resolve` (synchronously when it can be), then
 * `then` with the values found (none when there is no dbsecret or the read failed).
 */
export function withDbSecrets(
  ctx: DialogContext,
  principal: IaxPrincipal,
  resolve: ((family: string, key: string, owner: string) => string | undefined | Promise<string | undefined>) | undefined,
  then: (dbSecrets: string[]) => void,
): void {
  if (principal.dbsecret === undefined || resolve === undefined) {
    then([]);
    return;
  }
  const [family = '', key = ''] = principal.dbsecret.split('/');
  let found: string | undefined | Promise<string | undefined>;
  try {
    found = resolve(family, key, principal.name);
  } catch (error) {
    ctx.logger.error('dbsecret lookup failed', { error, principal: principal.name });
    then([]);
    return;
  }
  if (!(found instanceof Promise)) {
    then(found === undefined ? [] : [found]);
    return;
  }
  found.then(
    (secret) => then(secret === undefined ? [] : [secret]),
    (error: unknown) => {
      ctx.logger.error('dbsecret lookup failed', { error, principal: principal.name });
      then([]);
    },
  ).catch((error: unknown) => ctx.logger.error('challenge failed', { error }));
}
