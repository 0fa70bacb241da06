// Runs tshark's IAX2 dissector over a capture: the independent decoder our bytes are checked
// against. A test that needs it and cannot find it fails with how to install it.
//
// What tshark 4.0.17 emits, found by experiment:
// - `-T json` writes every occurrence of a field as a repeated key in the same object, which
//   JSON.parse collapses to the last one. `--no-duplicate-keys` instead merges repeated keys
//   into one key whose value is an array, placed where the FIRST occurrence was. IE subtrees
//   are keyed by their label ("Information Element: Call Token: <value>", or " " for IEs the
//   dissector has no name for, such as VARIABLE), so IEs [54, 6, 54] come out as
//   {"...Call Token: ": [{54}, {54}], "...Username...": {6}}: document order is then
//   [54, 54, 6], not wire order. Use dissectIax2Fields wherever the order of IEs matters.
// - A dissector exception adds a top-level "_ws.malformed" layer beside "iax2" (not inside it)
//   holding a "_ws.expert" object; expert items elsewhere sit under their own subtree. Every
//   "_ws.expert" has "_ws.expert.message" and "_ws.expert.severity" as a decimal string of
//   Wireshark's PI_* value: "8388608" (0x00800000) error, "6291456" warning, "4194304" note,
//   "2097152" chat, "1048576" comment.
// - tshark says `Running as user "root"...` on stderr when run as root; stderr is only read
//   when it exits non-zero.
import { spawnSync } from 'node:child_process';
import { findOnPath } from './find-on-path.ts';

const INSTALL_HINT =
  'tshark is required for this test (its IAX2 dissector checks our bytes independently) and was not found on PATH. ' +
  'Install it with: sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y tshark ' +
  '(.ci/run installs it).';

/** stdout of a whole capture's dissection can be large; spawnSync's default is 1 MiB. */
const MAX_BUFFER = 256 * 1024 * 1024;

/** Wireshark's PI_ERROR, as tshark prints `_ws.expert.severity`. */
export const EXPERT_SEVERITY_ERROR = '8388608';

let found: string | undefined;

/** The tshark executable on PATH (absolute path), checked to run; throws how to install it if not. */
export function tsharkPath(): string {
  if (found !== undefined) return found;
  const candidate = findOnPath('tshark');
  const probe = spawnSync(candidate ?? 'tshark', ['-v'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) throw new Error(INSTALL_HINT);
  found = candidate ?? 'tshark';
  return found;
}

function decodeAsIax2(iaxPorts: readonly number[]): string[] {
  return iaxPorts.flatMap((port) => ['-d', `udp.port==${port},iax2`]);
}

function runTshark(args: readonly string[]): string {
  const run = spawnSync(tsharkPath(), args, { encoding: 'utf8', maxBuffer: MAX_BUFFER });
  if (run.error !== undefined) throw new Error(`tshark ${args.join(' ')} could not run: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`tshark ${args.join(' ')} exited with ${run.status ?? run.signal}: ${run.stderr.trim()}`);
  return run.stdout;
}

export interface TsharkPacket {
  frameNumber: number;
  /** `_source.layers.iax2`, or undefined when tshark found no IAX2 in the frame. */
  iax2: Record<string, unknown> | undefined;
  /** tshark raised a dissector exception ("Malformed Packet") somewhere in the frame. */
  malformed: boolean;
  /** `_ws.expert.message` of every error-severity expert item in the frame, in document order. */
  expertErrors: string[];
}

/**
 * The frames of `pcapPath` as `tshark -T json --no-duplicate-keys` dissects them, with UDP
 * traffic on `iaxPorts` decoded as IAX2. Repeated keys are merged into arrays (see the top of
 * this file), so the tree holds every value but not the wire order of differently labelled
 * repeats: read ordered IE lists with dissectIax2Fields.
 */
export function dissectIax2(pcapPath: string, iaxPorts: readonly number[]): TsharkPacket[] {
  const stdout = runTshark(['-r', pcapPath, ...decodeAsIax2(iaxPorts), '-T', 'json', '--no-duplicate-keys']);
  const frames = JSON.parse(stdout) as Array<{ _source?: { layers?: Record<string, unknown> } }>;
  return frames.map((entry) => {
    const layers = entry._source?.layers ?? {};
    const frameNumber = Number(findAll(layers['frame'], 'frame.number')[0]);
    const iax2 = layers['iax2'];
    const expertErrors = findAll(layers, '_ws.expert')
      .filter((item): item is Record<string, unknown> => isObject(item) && String(item['_ws.expert.severity']) === EXPERT_SEVERITY_ERROR)
      .map((item) => {
        const message = item['_ws.expert.message'];
        return typeof message === 'string' ? message : JSON.stringify(message);
      });
    return {
      frameNumber,
      iax2: isObject(iax2) ? iax2 : undefined,
      malformed: findAll(layers, '_ws.malformed').length > 0,
      expertErrors,
    };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every value stored under `key` anywhere in a JSON tree, depth first in document order; a
 * value that is an array (--no-duplicate-keys merging repeats) gives one element per entry.
 * Matched values are searched too, so nested occurrences follow their parent. Document order
 * is not wire order once differently labelled subtrees were merged (see the top of the file).
 */
export function findAll(obj: unknown, key: string): unknown[] {
  const out: unknown[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
    } else if (isObject(node)) {
      for (const [k, value] of Object.entries(node)) {
        if (k === key) out.push(...(Array.isArray(value) ? (value as unknown[]) : [value]));
        visit(value);
      }
    }
  };
  visit(obj);
  return out;
}

export interface TsharkFields {
  frameNumber: number;
  /** Every occurrence of each requested field, in wire order ([] when absent). */
  values: Record<string, string[]>;
}

/**
 * For each frame, every occurrence of each of `fields` in the order the dissector met it,
 * which keeps IE order (--no-duplicate-keys JSON does not).
 *
 * Uses `-T ek -e <field>...`: one JSON document per frame whose keys are the field names with
 * "." turned into "_" and whose values are arrays of all occurrences in wire order, with
 * exact JSON string escaping. `-T fields -E occurrence=a -E aggregator=...` gives the same
 * order but is lossy for strings, which IEs carry: tshark 4.0 escapes only \b \t \n \f \r
 * (not backslash) and passes every other control byte through raw, so no aggregator
 * character is safe, and a lone empty occurrence cannot be told from no occurrence.
 */
export function dissectIax2Fields(pcapPath: string, iaxPorts: readonly number[], fields: readonly string[]): TsharkFields[] {
  const keyOf = (field: string): string => field.replace(/\./g, '_');
  const keys = new Map<string, string>();
  for (const field of ['frame.number', ...fields]) {
    const other = keys.get(keyOf(field));
    if (other !== undefined && other !== field) throw new Error(`dissectIax2Fields: ${field} and ${other} share the ek key ${keyOf(field)}`);
    keys.set(keyOf(field), field);
  }
  const args = ['-r', pcapPath, ...decodeAsIax2(iaxPorts), '-T', 'ek', '-e', 'frame.number', ...fields.flatMap((f) => ['-e', f])];
  const frames: TsharkFields[] = [];
  for (const line of runTshark(args).split('\n')) {
    if (line.trim() === '') continue;
    // Bulk-API format: an {"index":...} line precedes each {"timestamp":..., "layers":...}.
    const doc = JSON.parse(line) as { layers?: Record<string, unknown> };
    if (doc.layers === undefined) continue;
    const layers = doc.layers;
    const occurrences = (field: string): string[] => {
      const value = layers[keyOf(field)];
      if (value === undefined) return [];
      return (Array.isArray(value) ? (value as unknown[]) : [value]).map(String);
    };
    const values: Record<string, string[]> = {};
    for (const field of fields) values[field] = occurrences(field);
    frames.push({ frameNumber: Number(occurrences('frame.number')[0]), values });
  }
  return frames;
}
