// Runs tshark's IAX2 dissector over a capture: the independent decoder our bytes are checked
// against. A test that needs it and cannot find it fails with how to install it.
import { spawnSync } from 'node:child_process';

export function tsharkPath(): string {
  const probe = spawnSync('tshark', ['-v'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      'tshark is required for this test (its IAX2 dissector checks our bytes) and was not found. ' +
        'Install it with: sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y tshark ' +
        '(.ci/run installs it).',
    );
  }
  return 'tshark';
}

export interface TsharkFields {
  frameNumber: number;
  /** Every occurrence of each requested field, in wire order ([] when absent). */
  values: Record<string, string[]>;
}

// Unit separator: never part of a field value we read.
const AGGREGATOR = '\x1f';

/**
 * One entry per frame: `-T fields -E occurrence=a` lists every occurrence of a field in the
 * order the dissector met it, which keeps IE order (the JSON output merges repeated keys).
 */
export function dissectIax2Fields(pcapPath: string, iaxPorts: readonly number[], fields: readonly string[]): TsharkFields[] {
  const args = ['-r', pcapPath, ...iaxPorts.flatMap((p) => ['-d', `udp.port==${p},iax2`])];
  args.push('-T', 'fields', '-E', 'occurrence=a', '-E', `aggregator=${AGGREGATOR}`, '-E', 'separator=/t', '-e', 'frame.number');
  for (const field of fields) args.push('-e', field);
  const run = spawnSync(tsharkPath(), args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`tshark failed (${run.status}): ${run.stderr}`);
  return run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const columns = line.split('\t');
      const values: Record<string, string[]> = {};
      fields.forEach((field, i) => {
        const column = columns[i + 1] ?? '';
        values[field] = column === '' ? [] : column.split(AGGREGATOR);
      });
      return { frameNumber: Number(columns[0]), values };
    });
}
