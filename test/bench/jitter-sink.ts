// Where the frames of bench:relay-real land. Every voice payload starts with what its sender
// wrote: [f64 send time (performance.now) | u32 stream id | u32 sequence number]. Per stream the
// sink keeps the previous send and arrival time, so it measures what a relay does to timing:
// added jitter = |inter-arrival − inter-departure| between consecutive frames of one stream
// (sender and sink share a process, so one clock), and latency = arrival − send.
export const STAMP_BYTES = 16;

export class JitterSink {
  measuring = false;
  received = 0;
  fullVoice = 0;
  /** Frames missing between two that arrived, per stream (a call's last frames lost at hang-up are not seen). */
  lost = 0;
  private lastSent = new Float64Array(1024);
  private lastArrived = new Float64Array(1024);
  private lastSeq = new Int32Array(1024).fill(-1);
  private jitters = new Float64Array(1 << 20);
  private jitterCount = 0;
  private latencies = new Float64Array(1 << 20);
  private latencyCount = 0;
  /** At most this many samples of each kind are kept. */
  constructor(private readonly maxSamples = 4 << 20) {}

  reset(): void {
    this.received = 0;
    this.fullVoice = 0;
    this.lost = 0;
    this.jitterCount = 0;
    this.latencyCount = 0;
    this.lastSeq.fill(-1);
  }

  /** Mini frames and meta trunk entries are taken here; full frames go on to the engine (a full voice frame is counted too). */
  datagram(d: Buffer): boolean {
    if (d.length >= 8 && d[0] === 0 && d[1] === 0 && d[2] === 1) {
      const stamps = d[3] === 1;
      const header = stamps ? 6 : 4;
      let at = 8;
      while (at + header <= d.length) {
        const length = stamps ? d.readUInt16BE(at) : d.readUInt16BE(at + 2);
        if (length >= STAMP_BYTES) this.take(d, at + header);
        at += header + length;
      }
      return true;
    }
    if ((d[0]! & 0x80) === 0) {
      if (d.length >= 4 + STAMP_BYTES) this.take(d, 4);
      return true;
    }
    // A full voice frame (type 2) at a call's start or its timestamp wrap: measured, then the engine ACKs it.
    if (d.length >= 12 + STAMP_BYTES && d[10] === 2 && (d[2]! & 0x80) === 0) {
      this.fullVoice++;
      this.take(d, 12);
    }
    return false;
  }

  private take(d: Buffer, at: number): void {
    if (!this.measuring) return;
    const now = performance.now();
    const sent = d.readDoubleLE(at);
    const stream = d.readUInt32LE(at + 8);
    const seq = d.readInt32LE(at + 12);
    this.received++;
    if (this.latencyCount < this.maxSamples) this.latencies = push(this.latencies, this.latencyCount++, now - sent);
    if (stream >= this.lastSeq.length) this.grow(stream);
    const last = this.lastSeq[stream]!;
    if (last >= 0 && seq > last + 1) this.lost += seq - last - 1;
    if (last === seq - 1 && this.jitterCount < this.maxSamples) {
      this.jitters = push(this.jitters, this.jitterCount++, Math.abs(now - this.lastArrived[stream]! - (sent - this.lastSent[stream]!)));
    }
    this.lastSeq[stream] = seq;
    this.lastSent[stream] = sent;
    this.lastArrived[stream] = now;
  }

  private grow(stream: number): void {
    const size = Math.max(stream + 1, this.lastSeq.length * 2);
    const seq = new Int32Array(size).fill(-1);
    seq.set(this.lastSeq);
    this.lastSeq = seq;
    const sent = new Float64Array(size);
    sent.set(this.lastSent);
    this.lastSent = sent;
    const arrived = new Float64Array(size);
    arrived.set(this.lastArrived);
    this.lastArrived = arrived;
  }

  /** Added jitter, ms, at percentile p. */
  jitter(p: number): number {
    return percentileOf(this.jitters.subarray(0, this.jitterCount), p);
  }

  latency(p: number): number {
    return percentileOf(this.latencies.subarray(0, this.latencyCount), p);
  }

  /** Frames whose added jitter exceeded `ms`. */
  jitterOver(ms: number): number {
    let n = 0;
    for (let i = 0; i < this.jitterCount; i++) if (this.jitters[i]! > ms) n++;
    return n;
  }
}

function push(array: Float64Array<ArrayBuffer>, at: number, value: number): Float64Array<ArrayBuffer> {
  let target = array;
  if (at >= array.length) {
    target = new Float64Array(array.length * 2);
    target.set(array);
  }
  target[at] = value;
  return target;
}

export function percentileOf(values: Float64Array, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Writes the stamp a sink reads into `payload` at `at`. */
export function stamp(payload: Buffer, at: number, stream: number, seq: number): void {
  payload.writeDoubleLE(performance.now(), at);
  payload.writeUInt32LE(stream, at + 8);
  payload.writeInt32LE(seq, at + 12);
}
