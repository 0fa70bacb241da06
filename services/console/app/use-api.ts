/**
 * Loading data from the API into a view: loading, the data, or the failure, with reload and
 * optional polling. While polling, the last data stays on screen and a failed poll is shown
 * beside it rather than replacing it.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export type Loaded<T> =
  | { state: 'loading'; data?: undefined; error?: undefined }
  | { state: 'ok'; data: T; error?: unknown }
  | { state: 'error'; data?: undefined; error: unknown };

export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], pollMs?: number): Loaded<T> & { reload: () => void } {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(load);
  latest.current = load;
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    setLoaded({ state: 'loading' });
  }, deps);

  useEffect(() => {
    const controller = new AbortController();
    let timer: number | undefined;
    const run = async (): Promise<void> => {
      try {
        const data = await latest.current(controller.signal);
        if (!controller.signal.aborted) setLoaded({ state: 'ok', data });
      } catch (error) {
        if (controller.signal.aborted) return;
        setLoaded((previous) => (previous.state === 'ok' ? { state: 'ok', data: previous.data, error } : { state: 'error', error }));
      }
      if (pollMs !== undefined && !controller.signal.aborted) timer = window.setTimeout(() => void run(), pollMs);
    };
    void run();
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [...deps, generation]);

  return { ...loaded, reload };
}
