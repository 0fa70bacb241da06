/**
 * Counts the requests a process gets to stop: the first drains, the second means "now". One
 * Ctrl-C reaches a process by several ways at once (the terminal signals the whole process
 * group; `npm start`'s supervisor, npm and tsx pass signals on to their children), so a
 * request within `sameWithinMs` of the last one counted is that same request again.
 */
export const SAME_REQUEST_WITHIN_MS = 300;

export class StopRequests {
  private counted = 0;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly now: () => number,
    private readonly sameWithinMs = SAME_REQUEST_WITHIN_MS,
  ) {}

  /** 1 for the first request, 2 for the next distinct one, and so on; 0 for a repeat of the last. */
  request(): number {
    const at = this.now();
    if (at - this.lastAt < this.sameWithinMs) return 0;
    this.lastAt = at;
    return ++this.counted;
  }
}
