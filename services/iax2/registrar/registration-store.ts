/**
 * Where registrations live. The library keeps them in memory; the platform's DynamoDB store
 * implements the same interface (the data layer). Every method may answer synchronously or
 * with a promise, so an in-memory store keeps manual-clock tests free of microtask juggling.
 */
export type QualifyStatus = 'OK' | 'LAGGED' | 'UNREACHABLE' | 'UNKNOWN';

export interface QualifyState {
  status: QualifyStatus;
  /** Smoothed round trip of the last answered POKE. */
  latencyMs?: number;
}

export interface Registration {
  name: string;
  tenant?: string;
  /** Where the peer's REGREQ came from: its apparent address and port. */
  address: string;
  port: number;
  /** The worker holding the peer's flow: calls to this peer must leave through it. */
  workerId: string;
  /** Wall-clock ms. The server keeps a registration for the granted refresh + 10 s (protocol.md §0). */
  registeredAt: number;
  expiresAt: number;
  refreshS: number;
  regexten?: string;
  regcontext?: string;
  qualify?: QualifyState;
}

type Maybe<T> = T | Promise<T>;

export interface RegistrationStore {
  get(name: string): Maybe<Registration | undefined>;
  put(registration: Registration): Maybe<void>;
  /** Removes the registration; with `expiresAt`, only if it is still that one (expiry races a refresh). */
  remove(name: string, expiresAt?: number): Maybe<boolean>;
  /**
   * The peer's qualify status, written only while `workerId` still holds its registration:
   * false when another worker does now (the box moved), so the old owner never overwrites it.
   */
  updateQualify(name: string, qualify: QualifyState, workerId: string): Maybe<boolean>;
}

export class InMemoryRegistrationStore implements RegistrationStore {
  private readonly records = new Map<string, Registration>();

  get(name: string): Registration | undefined {
    return this.records.get(name);
  }

  put(registration: Registration): void {
    this.records.set(registration.name, { ...registration });
  }

  remove(name: string, expiresAt?: number): boolean {
    const current = this.records.get(name);
    if (current === undefined || (expiresAt !== undefined && current.expiresAt !== expiresAt)) return false;
    return this.records.delete(name);
  }

  updateQualify(name: string, qualify: QualifyState, workerId: string): boolean {
    const current = this.records.get(name);
    if (current === undefined || current.workerId !== workerId) return false;
    current.qualify = { ...qualify };
    return true;
  }

  get size(): number {
    return this.records.size;
  }

  all(): Registration[] {
    return [...this.records.values()];
  }
}

/** Runs `then` on a value that may or may not be a promise, synchronously when it is not. */
export function settle<T>(value: T | Promise<T>, then: (v: T) => void, onError: (error: unknown) => void): void {
  if (value instanceof Promise) value.then(then, onError);
  else {
    try {
      then(value);
    } catch (error) {
      onError(error);
    }
  }
}
