// What the test suite needs from the machine and cannot install itself (Debian packages, root,
// network namespaces), checked in a fraction of a second before anything runs. Without this
// check a missing tool shows up minutes later as failed or cancelled tests, far from its cause.
// .ci/run installs the same packages; a test keeps the two lists in step.
import { findOnPath } from '../helpers/find-on-path.ts';
import { assertNetnsCapable } from '../helpers/netns-topology.ts';

export interface SystemTool {
  /** The command the tests run. */
  command: string;
  /** The Debian package that provides it. */
  aptPackage: string;
  /** Which tests need it, for the message. */
  neededBy: string;
}

export const SYSTEM_TOOLS: readonly SystemTool[] = [
  { command: 'java', aptPackage: 'default-jre-headless', neededBy: 'DynamoDB Local, the store tests\' second engine' },
  { command: 'tshark', aptPackage: 'tshark', neededBy: 'the independent IAX2 dissection checks' },
  { command: 'iaxmodem', aptPackage: 'iaxmodem', neededBy: 'the interop test with a third-party IAX2 peer' },
  { command: 'ip', aptPackage: 'iproute2', neededBy: 'the worker-mesh test\'s network namespaces' },
  { command: 'nft', aptPackage: 'nftables', neededBy: 'the worker-mesh test\'s NATs and NLB' },
  { command: 'conntrack', aptPackage: 'conntrack', neededBy: 'the worker-mesh test\'s NLB' },
  { command: 'chromium', aptPackage: 'chromium', neededBy: 'the web console tests (headless, driven by playwright-core)' },
];

/** The tools no directory of `searchPath` (a PATH value) holds as an executable file. */
export function missingTools(searchPath: string, tools: readonly SystemTool[] = SYSTEM_TOOLS): SystemTool[] {
  return tools.filter((tool) => findOnPath(tool.command, searchPath) === undefined);
}

/** What to tell someone missing `tools`: which, what for, and the one command that installs them. */
export function installRemedy(tools: readonly SystemTool[]): string {
  const packages = [...new Set(tools.map((tool) => tool.aptPackage))];
  return [
    `missing: ${tools.map((tool) => tool.command).join(', ')}.`,
    ...tools.map((tool) => `  ${tool.command} (package ${tool.aptPackage}): ${tool.neededBy}`),
    // tshark's package asks whether non-root users may capture; noninteractive takes the default.
    `Install them with: sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(' ')} (or run .ci/run, which does it)`,
  ].join('\n');
}

/** The iaxmodem interop test writes /etc/iaxmodem and the worker-mesh test builds namespaces. */
export function rootProblem(uid: number | undefined): string | undefined {
  if (uid === undefined || uid === 0) return undefined;
  return 'not running as root: the iaxmodem interop test writes /etc/iaxmodem/ and the worker-mesh test creates network namespaces. ' +
    'Run the tests as root (sudo npm test), or in a container as root, as CI does.';
}

/** A root process in a container without CAP_NET_ADMIN still cannot create a namespace. */
function namespaceProblem(): string | undefined {
  try {
    assertNetnsCapable();
    return undefined;
  } catch (error) {
    return `${(error as Error).message}\nIn a container, give it NET_ADMIN (docker run --cap-add NET_ADMIN, or --privileged).`;
  }
}

/** Every problem found, each with its remedy; empty when the machine can run the whole suite. */
export function systemProblems(env: { path: string; uid: number | undefined }): string[] {
  const problems: string[] = [];
  const missing = missingTools(env.path);
  if (missing.length > 0) problems.push(installRemedy(missing));
  const notRoot = rootProblem(env.uid);
  if (notRoot !== undefined) problems.push(notRoot);
  // Only meaningful once the tools are there and we are root (otherwise it repeats the above).
  if (problems.length === 0) {
    const namespaces = namespaceProblem();
    if (namespaces !== undefined) problems.push(namespaces);
  }
  return problems;
}
