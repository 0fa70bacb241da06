/**
 * How many of our calls to one callee may wait on its challenge at once. A callee counts the
 * AUTHREQs it has sent and not yet seen answered, per user, and refuses the next NEW beyond
 * `maxauthreq` (Asterisk's default 3) with REJECT 21 "Unauthenticated call limit reached"
 * (protocol.md §8.6). A switch that places a burst of calls to one box would trip that limit by itself,
 * so outbound calls to one (address, username) take a slot before their NEW goes out and
 * give it back once the challenge is answered (or the call is accepted or ends); the rest
 * wait their turn, a round trip each.
 */
export const DEFAULT_CHALLENGE_WINDOW = 3;

interface Lane {
  active: number;
  waiting: Array<() => void>;
}

export class ChallengeWindow {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly size = DEFAULT_CHALLENGE_WINDOW) {}

  /**
   * Runs `start` now if a slot for `key` is free, else when one is. Returns a release
   * function (idempotent) that frees the slot, or takes the call out of the queue.
   */
  acquire(key: string, start: () => void): () => void {
    let lane = this.lanes.get(key);
    if (lane === undefined) {
      lane = { active: 0, waiting: [] };
      this.lanes.set(key, lane);
    }
    const held = { slot: false, done: false };
    const begin = (): void => {
      held.slot = true;
      lane.active++;
      start();
    };
    if (lane.active < this.size) begin();
    else lane.waiting.push(begin);
    return () => {
      if (held.done) return;
      held.done = true;
      if (!held.slot) {
        const at = lane.waiting.indexOf(begin);
        if (at >= 0) lane.waiting.splice(at, 1);
      } else {
        lane.active--;
        const next = lane.waiting.shift();
        if (next !== undefined) next();
      }
      if (lane.active === 0 && lane.waiting.length === 0 && this.lanes.get(key) === lane) this.lanes.delete(key);
    };
  }

  /** Calls waiting for a slot, over every callee. */
  get waiting(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.waiting.length;
    return n;
  }
}
