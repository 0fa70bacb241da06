/**
 * A small typed event emitter for long-lived protocol objects. A listener that throws is
 * reported to `onListenerError` and never stops the others or the emitter. The event map is
 * an interface of its own (no index signature), so only its events can be named: a typo in
 * an event name does not compile.
 */
type Listener = (payload: never) => void;
const NONE: ReadonlyArray<string | Listener> = Object.freeze([]);

/*
 * Listeners live in one flat array of (event, listener) pairs, replaced (never changed in
 * place) when a listener comes or goes. Every call leg has an emitter with a handful of
 * listeners: a Map of arrays cost it about a kilobyte, the flat array costs a few words a
 * listener; and because the array is never changed in place, emit walks it as it was when
 * the event began without copying it each time.
 */
export class TypedEvents<E extends object> {
  private listeners: ReadonlyArray<string | Listener> = NONE;

  constructor(private readonly onListenerError: (event: string, error: unknown) => void = () => {}) {}

  on<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): () => void {
    this.listeners = [...this.listeners, event, listener];
    return () => this.off(event, listener);
  }

  once<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): () => void {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  off<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): void {
    const list = this.listeners;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] !== event || list[i + 1] !== listener) continue;
      this.listeners = list.length === 2 ? NONE : [...list.slice(0, i), ...list.slice(i + 2)];
      return;
    }
  }

  emit<K extends keyof E & string>(event: K, payload: E[K]): void {
    const list = this.listeners;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] !== event) continue;
      try {
        (list[i + 1] as (payload: E[K]) => void)(payload);
      } catch (error) {
        this.onListenerError(event, error);
      }
    }
  }

  removeAll(): void {
    this.listeners = NONE;
  }
}
