/** Time left until a moment ("in 47 s"), ticking every second; "expired" once past. */
import { useEffect, useState } from 'preact/hooks';
import { formatDuration } from '../format.ts';

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return now;
}

export function Countdown({ until }: { until: number }) {
  const left = (until - useNow(1000)) / 1000;
  return left > 0 ? <span data-testid="expires">in {formatDuration(left)}</span> : <span class="muted">expired</span>;
}

/** Time since a moment ("1 min 4 s"), ticking. */
export function Elapsed({ since }: { since: number }) {
  return <span>{formatDuration((useNow(1000) - since) / 1000)}</span>;
}
