// The store of bench:sweeper, in a process of its own so its CPU time is counted apart from the
// sweeper's: dynalite on a LevelDB folder in a fresh temporary directory, as `npm start` runs it.
// Reports its endpoint, answers "cpu" with its process.cpuUsage(), quits on "quit".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedDynamo } from '../../services/local/embedded-dynamo.ts';

const folder = mkdtempSync(join(tmpdir(), 'strowger-bench-sweeper-'));
const dynamo = await startEmbeddedDynamo(join(folder, 'dynamo'));
process.on('message', (message: 'cpu' | 'quit') => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  else void dynamo.stop().then(() => {
    rmSync(folder, { recursive: true, force: true });
    process.exit(0);
  });
});
process.send?.({ endpoint: dynamo.endpoint });
