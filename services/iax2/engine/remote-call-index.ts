/**
 * Calls by their peer's address, port and call number: how mini frames and trunk entries
 * (which carry only the sender's call number) find their call. Looked up for every media
 * datagram, so a lookup builds no strings and allocates nothing: address → (port, call) as
 * one number. Each call remembers its own entries, so removing a call costs O(its entries),
 * not a scan of every call.
 */
import type { Call } from '../call/call.ts';

const slot = (port: number, callNumber: number): number => port * 0x8000 + callNumber;

export class RemoteCallIndex {
  private readonly byAddress = new Map<string, Map<number, Call>>();
  private readonly entriesOf = new Map<Call, Array<{ address: string; slot: number }>>();

  get(address: string, port: number, callNumber: number): Call | undefined {
    return this.byAddress.get(address)?.get(slot(port, callNumber));
  }

  has(address: string, port: number, callNumber: number): boolean {
    return this.get(address, port, callNumber) !== undefined;
  }

  set(address: string, port: number, callNumber: number, call: Call): void {
    let calls = this.byAddress.get(address);
    if (calls === undefined) {
      calls = new Map();
      this.byAddress.set(address, calls);
    }
    const at = slot(port, callNumber);
    if (calls.get(at) === call) return;
    calls.set(at, call);
    let entries = this.entriesOf.get(call);
    if (entries === undefined) {
      entries = [];
      this.entriesOf.set(call, entries);
    }
    entries.push({ address, slot: at });
  }

  remove(call: Call): void {
    for (const { address, slot: at } of this.entriesOf.get(call) ?? []) {
      const calls = this.byAddress.get(address);
      if (calls?.get(at) !== call) continue;
      calls.delete(at);
      if (calls.size === 0) this.byAddress.delete(address);
    }
    this.entriesOf.delete(call);
  }
}
