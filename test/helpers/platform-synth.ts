// The whole CDK app synthesized once per test file, offline, into a temporary cloud assembly:
// real esbuild bundling of every Lambda, the worker image's build context staged, the
// templates ready for aws-cdk-lib/assertions, and a way from a resource to its asset on disk.
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStacks, type PlatformStacks } from '../../infra/build-stacks.ts';
import { contextSettings } from '../../infra/context-settings.ts';

export const TEST_OPERATOR_KEY_HASH = 'a'.repeat(64);
/** The operator policy the test app is given (context), to find again in the functions' and tasks' environment. */
export const TEST_ALLOWED_PEER_NETWORKS = '10.20.0.0/16, fd00:20::/48';

export interface SynthedPlatform {
  stacks: PlatformStacks;
  templates: { data: Template; edge: Template; control: Template };
  outdir: string;
  /** The staged directory of a file asset (a Lambda bundle) by its S3 key, or of an image asset by its tag. */
  assetDir(stackName: string, key: string): string;
}

let synthed: SynthedPlatform | undefined;

export function synthPlatform(): SynthedPlatform {
  if (synthed !== undefined) return synthed;
  const outdir = mkdtempSync(join(tmpdir(), 'strowger-cdk-'));
  const app = new App({ outdir, context: { operatorKeyHash: TEST_OPERATOR_KEY_HASH, alarmEmail: 'noc@example.net', maxKeysPerTenant: 50, allowedPeerNetworks: TEST_ALLOWED_PEER_NETWORKS } });
  const stacks = buildStacks(app, contextSettings((key) => app.node.tryGetContext(key) as unknown));
  app.synth();
  const templates = { data: Template.fromStack(stacks.data), edge: Template.fromStack(stacks.edge), control: Template.fromStack(stacks.control) };
  synthed = {
    stacks,
    templates,
    outdir,
    assetDir(stackName, key) {
      const manifest = JSON.parse(readFileSync(join(outdir, `${stackName}.assets.json`), 'utf8')) as {
        files?: Record<string, { source: { path: string } }>;
        dockerImages?: Record<string, { source: { directory: string } }>;
      };
      const hash = key.replace(/\.zip$/, '');
      const source = manifest.files?.[hash]?.source.path ?? manifest.dockerImages?.[hash]?.source.directory;
      if (source === undefined) throw new Error(`no asset ${key} in ${stackName}`);
      return join(outdir, source);
    },
  };
  return synthed;
}
