/**
 * Checking an answer against the principal as it is now, not as it was cached (docs/
 * architecture.md §9): a secret changed or a peer deleted in the store takes effect on every
 * worker within seconds. The challenge goes out at once from whatever the cache held; the
 * answer is then checked against `recheck(name, false)` (the cache's entry when it is younger
 * than its short age, else a version read). An answer that fails is checked once more against
 * `recheck(name, true)` (a version read unless one just happened), so a box that already uses
 * a new secret is let in without waiting for the cache to age. When the store cannot be asked,
 * the principal the challenge was made for is used: an outage does not lock anyone out.
 */
import type { Ie } from '../codec/index.ts';
import type { IaxPrincipal } from '../peer-directory.ts';
import type { ServerChallenge } from './server-challenge.ts';

/** The principal called `name` as the store has it now (`force`: ask even if the cache is young); undefined when it is gone. */
export type Recheck<P> = (name: string, force: boolean) => P | undefined | Promise<P | undefined>;

/**
 * Checks `answer` to `challenge`, made for `original`, and calls `done` once: with the
 * principal it passed for (maybe a fresher copy), or undefined when it failed.
 */
export function checkAnswer<P extends IaxPrincipal>(
  challenge: ServerChallenge,
  answer: readonly Ie[],
  original: P,
  recheck: Recheck<P> | undefined,
  done: (passed: P | undefined) => void,
): void {
  if (challenge.isDecoy) return done(undefined);
  if (recheck === undefined) return done(challenge.verify(answer) ? original : undefined);
  const passes = (principal: P | undefined): boolean => principal !== undefined && challenge.verify(answer, principal);
  ask(recheck, original, false, (current) => {
    if (passes(current)) return done(current);
    ask(recheck, original, true, (forced) => done(passes(forced) ? forced : undefined));
  });
}

/** `recheck`, synchronously when it can; a store that cannot be asked (it logs that itself) leaves `original`. */
function ask<P extends IaxPrincipal>(recheck: Recheck<P>, original: P, force: boolean, then: (principal: P | undefined) => void): void {
  let found: P | undefined | Promise<P | undefined>;
  try {
    found = recheck(original.name, force);
  } catch {
    return then(original);
  }
  if (!(found instanceof Promise)) return then(found);
  found.then(then, () => then(original));
}
