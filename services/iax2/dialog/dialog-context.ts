/**
 * What every dialog that challenges or is challenged needs, whoever runs it (the engine for
 * calls, the registrar for registrations): time, a logger, the refusal counter, the
 * `delayreject` setting, fresh challenges, the parsed public keys, and the AUTHMETHODS a
 * decoy shows. Each owner builds its own; nothing in it is shared between them.
 */
import type { Clock } from '../../../shared/clock.ts';
import type { Logger } from '../../../shared/logger.ts';
import { loadPublicKey, type RsaPublicKey } from '../crypto/index.ts';
import { AuthFailures } from './auth-failures.ts';
import { Refusals } from './refusals.ts';

export interface DialogContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly refusals: Refusals;
  /** `delayreject`: authentication refusals wait this long (Asterisk's `yes` is 1000 ms). */
  readonly delayRejectMs: number;
  /** Failed challenges by name and address, calls and registrations together (auth-failures.ts). */
  readonly failures: AuthFailures;
  /** A CHALLENGE as Asterisk makes them: a random 31-bit number, at most 9 digits (protocol.md §8.1). */
  newChallenge(): string;
  /** Parsed `inkeys`, cached by PEM text. */
  publicKeys(pems: readonly string[]): RsaPublicKey[];
  /** The AUTHMETHODS an unknown name's decoy challenge shows: the last set a peer registration was asked for (protocol.md §6.4). */
  decoyMethods(): number;
}

/** A dialog context of one's own: its own refusal counts, key cache and challenges. */
export function dialogContext(options: {
  clock: Clock;
  logger: Logger;
  delayRejectMs?: number;
  random?: () => number;
  decoyMethods(): number;
  /** Shared with another owner (the registrar uses its engine's), or a new one. */
  failures?: AuthFailures;
}): DialogContext {
  const keys = new PublicKeyCache(options.logger);
  return {
    clock: options.clock,
    logger: options.logger,
    refusals: new Refusals(options.logger, options.clock),
    delayRejectMs: options.delayRejectMs ?? 0,
    failures: options.failures ?? new AuthFailures(options.clock),
    newChallenge: challengeMaker(options.random),
    publicKeys: (pems) => keys.get(pems),
    decoyMethods: () => options.decoyMethods(),
  };
}

/** Challenges as Asterisk makes them, from `random` (0 <= x < 1). */
export function challengeMaker(random: () => number = Math.random): () => string {
  return () => String(Math.floor(random() * 0x7fffffff)).slice(0, 9);
}

/** `inkeys` PEM texts parsed once; an unusable key is logged once and left out. */
export class PublicKeyCache {
  private readonly keys = new Map<string, RsaPublicKey | null>();

  constructor(private readonly logger: Logger) {}

  get(pems: readonly string[]): RsaPublicKey[] {
    const found: RsaPublicKey[] = [];
    for (const pem of pems) {
      let key = this.keys.get(pem);
      if (key === undefined) {
        try {
          key = loadPublicKey(pem);
        } catch (error) {
          this.logger.warn('unusable inkey ignored', { error });
          key = null;
        }
        this.keys.set(pem, key);
      }
      if (key !== null) found.push(key);
    }
    return found;
  }
}
