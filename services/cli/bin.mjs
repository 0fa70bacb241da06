#!/usr/bin/env node
// The `strowger` command. It runs the TypeScript sources directly through tsx's loader, so
// `npx strowger ...` works straight after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
