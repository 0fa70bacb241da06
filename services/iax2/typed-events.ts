/**
 * A small typed event emitter for long-lived protocol objects. A listener that throws is
 * reported to `onListenerError` and never stops the others or the emitter. The event map is
 * an interface of its own (no index signature), so only its events can be named: a typo in
 * an event name does not compile.
 */
export class TypedEvents<E extends object> {
  private readonly listeners = new Map<keyof E, Array<(payload: never) => void>>();

  constructor(private readonly onListenerError: (event: string, error: unknown) => void = () => {}) {}

  on<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener);
    this.listeners.set(event, list);
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
    const list = this.listeners.get(event);
    if (list === undefined) return;
    const at = list.indexOf(listener);
    if (at >= 0) list.splice(at, 1);
  }

  emit<K extends keyof E & string>(event: K, payload: E[K]): void {
    const list = this.listeners.get(event);
    if (list === undefined) return;
    for (const listener of [...list]) {
      try {
        (listener as (payload: E[K]) => void)(payload);
      } catch (error) {
        this.onListenerError(event, error);
      }
    }
  }

  removeAll(): void {
    this.listeners.clear();
  }
}
