/**
 * What gets bundled, by entry-file path (infra/ knows services only by these paths), and how:
 * ES modules for Node 22, everything bundled (our pinned AWS SDK, not the runtime's copy),
 * minified with source maps. The Lambda stack, the worker's Dockerfile and the tests all read
 * these, so the bundle a test starts is the bundle that ships.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const LAMBDA_ENTRIES = {
  api: 'services/control/lambda/api-function.ts',
  authorizer: 'services/control/lambda/authorizer-function.ts',
  sweeper: 'services/control/lambda/sweeper-function.ts',
  peerStream: 'services/control/lambda/peer-stream-function.ts',
} as const;

export type LambdaName = keyof typeof LAMBDA_ENTRIES;

export const WORKER_ENTRIES = {
  worker: 'services/worker/main.ts',
  healthcheck: 'services/worker/healthcheck.ts',
} as const;

export const NODE_TARGET = 'node22';

/** The `strowger` CLI (infra/bundling/build-cli.ts): it runs on the developer's Node, 20 or later. */
export const CLI_ENTRY = 'services/cli/main.ts';
export const CLI_NODE_TARGET = 'node20';

/**
 * An ES module bundle has no `require`; a few CommonJS dependencies (node-forge, parts of the
 * SDK) call it for Node built-ins, so the bundle makes one.
 */
export const REQUIRE_BANNER = "import { createRequire as __strowgerRequire } from 'node:module'; const require = __strowgerRequire(import.meta.url);";

/**
 * How the worker image's bundle is built (build-worker.ts): everything bundled, ES module,
 * minified (so no keepNames: tsx's keepNames gives every closure a property store of its own).
 * `npm start`'s worker bundle and the benchmarks that measure the worker "as deployed" build
 * with these same options, adding only their entry, output and, for `npm start`, this Node.
 */
export const WORKER_IMAGE_BUILD = {
  bundle: true,
  platform: 'node',
  target: NODE_TARGET,
  format: 'esm',
  banner: { js: REQUIRE_BANNER },
  minify: true,
} as const;
