/**
 * Where a dynamic peer is, for the destination of every call to it: its registration read
 * from the store each time (a box moves between workers, docs/architecture.md §6), with the
 * last read kept per peer for when the store fails or is slow. A box registered through this
 * very worker is known without the store (the registrar's own index, kept up to date by the
 * refreshes it grants from memory during an outage): that wins over an old read. The last
 * read of a box held elsewhere is served even past its expiry while the store is out: its
 * owner keeps granting refreshes from memory too, and the mesh says if it is gone.
 */
import type { Registration } from '../../../shared/model/registration.ts';
import type { RemoteAddress } from '../../iax2/transport.ts';
import { LastGood, type LastGoodStats, type LastGoodTiming } from './last-good.ts';

/** What a destination needs of a registration. */
export type RegistrationPlace = Pick<Registration, 'address' | 'port' | 'workerId'>;

export interface RegistrationReadsOptions extends LastGoodTiming {
  read(name: string): Promise<Registration | undefined>;
  /** This worker's id: a box held here is reached directly. */
  workerId: string;
  /** Where `name` registered through this worker, while that registration lives. */
  heldHere(name: string): RemoteAddress | undefined;
  now?: () => number;
}

export class RegistrationReads {
  private readonly last: LastGood<Registration | undefined>;

  constructor(private readonly options: RegistrationReadsOptions) {
    // Age 0: every call reads the store; the kept value is only ever a fallback.
    this.last = new LastGood({ ...options, now: options.now ?? Date.now, maxAgeMs: 0 });
  }

  get stats(): LastGoodStats {
    return this.last.stats;
  }

  async get(name: string): Promise<RegistrationPlace | undefined> {
    let result: { value: Registration | undefined; fresh: boolean };
    try {
      result = await this.last.lookup(name, () => this.options.read(name));
    } catch (error) {
      // Never read and the store is failing: only this worker's own knowledge is left.
      const local = this.local(name);
      if (local !== undefined) return local;
      throw error;
    }
    return result.fresh ? result.value : (this.local(name) ?? result.value);
  }

  private local(name: string): RegistrationPlace | undefined {
    const at = this.options.heldHere(name);
    return at === undefined ? undefined : { address: at.address, port: at.port, workerId: this.options.workerId };
  }
}
