/**
 * Lines that an outsider can cause (a refused call, a failed login) must be logged, but a
 * flood of them must not become a flood of log lines. A LogThrottle lets a few lines per key
 * through in each window and counts the rest; the next line that gets through says how many
 * were held back.
 */
export interface LogThrottleOptions {
  /** Lines per key per window (default 10). */
  linesPerWindow?: number;
  /** Default 10 s. */
  windowMs?: number;
  /** Keys tracked at most; beyond it the oldest window is forgotten (default 1000). */
  maxKeys?: number;
}

interface Window {
  startedAt: number;
  written: number;
  suppressed: number;
}

export class LogThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly linesPerWindow: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;

  constructor(
    private readonly now: () => number,
    options: LogThrottleOptions = {},
  ) {
    this.linesPerWindow = options.linesPerWindow ?? 10;
    this.windowMs = options.windowMs ?? 10_000;
    this.maxKeys = options.maxKeys ?? 1000;
  }

  /**
   * Whether a line for `key` may be written now; when it may, `suppressed` is how many lines
   * for that key were held back since the last one written.
   */
  admit(key: string): { write: false } | { write: true; suppressed: number } {
    const now = this.now();
    let window = this.windows.get(key);
    if (window === undefined || now - window.startedAt >= this.windowMs) {
      const suppressed = window?.suppressed ?? 0;
      window = { startedAt: now, written: 0, suppressed: 0 };
      this.windows.delete(key);
      this.windows.set(key, window);
      if (this.windows.size > this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
      window.written = 1;
      return { write: true, suppressed };
    }
    if (window.written < this.linesPerWindow) {
      window.written++;
      return { write: true, suppressed: 0 };
    }
    window.suppressed++;
    return { write: false };
  }
}
