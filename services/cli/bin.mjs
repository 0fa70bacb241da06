#!/usr/bin/env node
// The `strowger` command. It runs the prebuilt bundle (under dist/cli/, which `npm ci` builds:
// shared/prebuilt-bundle.mjs) while no source it was built from has changed, and otherwise the
// TypeScript sources through tsx's loader: a developer's edits take effect at once and a
// checkout with no bundle still works, only slower to start (tsx compiles the sources each
// time: a second and more).
//   STROWGER_CLI_FROM_SOURCE=1  always run the sources
//   STROWGER_CLI_TRACE=1        say on stderr which ran, and why
import { currentBundle } from '../../shared/prebuilt-bundle.mjs';

const bundle = process.env.STROWGER_CLI_FROM_SOURCE === '1' ? { reason: 'STROWGER_CLI_FROM_SOURCE=1' } : currentBundle();
let main;
if ('url' in bundle) {
  ({ main } = await import(bundle.url));
  if (process.env.STROWGER_CLI_TRACE === '1') process.stderr.write(`strowger: running the bundle ${bundle.url}\n`);
} else {
  // Loaded only here: tsx itself takes a good part of the slow start.
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
  if (process.env.STROWGER_CLI_TRACE === '1') process.stderr.write(`strowger: running the sources through tsx: ${bundle.reason}\n`);
}
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
