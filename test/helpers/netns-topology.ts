// The worker mesh's real topology on one Linux machine, out of network namespaces (iproute2,
// veth, bridges) and the kernel's own netfilter (nftables, conntrack):
//
//   sites (NAT routers, masquerading, random ports)          "NLB" (DNAT 4569 -> workers,
//   site1: 192.168.1.0/24   boxes .10 .11        \            per-flow stickiness by conntrack,
//   site2: 192.168.2.0/24   boxes .10 .11   ---- inet ---- wan 203.0.113.10; worker-originated
//                                              203.0.113.0/24 flows leave from 203.0.113.20)
//                                                                 |  br0 10.0.0.1/24
//                                                   workers 10.0.0.11 .12 .13, the test 10.0.0.254
//
// A box is reachable only over its own flow: a reply from the worker its flow is pinned to
// leaves with the NLB's address and passes the box's NAT; anything another worker sends
// leaves from 203.0.113.20 and the NAT drops it, as AWS's NAT gateway and a tenant's router do.
import { execFileSync } from 'node:child_process';

export const NLB_ADDRESS = '203.0.113.10';
export const NAT_GATEWAY_ADDRESS = '203.0.113.20';
export const TEST_HOST_ADDRESS = '10.0.0.254';

export interface Box {
  netns: string;
  address: string;
  site: number;
}

export interface Topology {
  prefix: string;
  /** Namespace of each worker, in order; worker i has address 10.0.0.(11+i). */
  workers: Array<{ netns: string; address: string }>;
  boxes: Box[];
  nlb: string;
  sites: string[];
  /** Runs a command in a namespace (throws with its output on failure). */
  run(netns: string, command: string, args: string[]): string;
  /** New flows to 4569 go round robin over these workers (indexes); existing flows stay where they are. */
  setTargets(workers: readonly number[]): void;
  /** Ends the NLB's flows to a worker (deregistration's end, or a dead target). */
  endFlowsTo(worker: number): void;
  /** Forgets a box's NAT mapping at its site (as a router does when the mapping idles out) and the NLB's flow for it. */
  expireMapping(box: Box): void;
  destroy(): void;
}

function sh(command: string, args: string[], input?: string): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${command} ${args.join(' ')}: ${e.stderr ?? ''}${e.stdout ?? ''}${e.message}`, { cause: error });
  }
}

/** Fails loudly, with the reason, when this machine cannot build namespaces (not root, no iproute2 or nftables). */
export function assertNetnsCapable(): void {
  for (const tool of ['ip', 'nft', 'conntrack']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is missing: install iproute2, nftables and conntrack (apt-get install -y iproute2 nftables conntrack); .ci/run does`);
    }
  }
  if (process.getuid?.() !== 0) throw new Error('the namespace topology needs root (CI runs as root); run this test as root');
  const probe = `sgprobe${process.pid}`;
  try {
    sh('ip', ['netns', 'add', probe]);
  } catch (error) {
    throw new Error(`cannot create a network namespace: ${(error as Error).message}`, { cause: error });
  } finally {
    try {
      sh('ip', ['netns', 'del', probe]);
    } catch {
      // never made
    }
  }
}

export function buildTopology(options: { workers: number; boxesPerSite: number; sites: number }): Topology {
  const prefix = `sg${(process.pid % 997).toString(36)}`;
  const created: string[] = [];
  const netns = (name: string): string => {
    const full = `${prefix}${name}`;
    sh('ip', ['netns', 'add', full]);
    created.push(full);
    sh('ip', ['-n', full, 'link', 'set', 'lo', 'up']);
    return full;
  };
  const run = (ns: string, command: string, args: string[]): string => sh('ip', ['netns', 'exec', ns, command, ...args]);
  /** A veth pair: `a` in namespace `nsA` (or the root when undefined), `b` in `nsB`. */
  const veth = (a: string, nsA: string | undefined, b: string, nsB: string): void => {
    // Made in place, so a name like eth0 never meets the root namespace's own.
    sh('ip', ['link', 'add', a, ...(nsA === undefined ? [] : ['netns', nsA]), 'type', 'veth', 'peer', 'name', b, 'netns', nsB]);
  };
  const up = (ns: string | undefined, dev: string): void => {
    if (ns === undefined) sh('ip', ['link', 'set', dev, 'up']);
    else sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  };
  const bridge = (ns: string, name: string): void => {
    sh('ip', ['-n', ns, 'link', 'add', name, 'type', 'bridge']);
    up(ns, name);
  };
  const enslave = (ns: string, dev: string, br: string): void => {
    sh('ip', ['-n', ns, 'link', 'set', dev, 'master', br]);
    up(ns, dev);
  };
  const forward = (ns: string): void => {
    run(ns, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  };
  const rootIf = `${prefix}r`;
  try {
    const inet = netns('i');
    bridge(inet, 'brI');
    const nlb = netns('n');
    forward(nlb);
    bridge(nlb, 'br0');
    sh('ip', ['-n', nlb, 'addr', 'add', '10.0.0.1/24', 'dev', 'br0']);
    veth('wan0', nlb, `${prefix}nw`, inet);
    up(nlb, 'wan0');
    enslave(inet, `${prefix}nw`, 'brI');
    sh('ip', ['-n', nlb, 'addr', 'add', `${NLB_ADDRESS}/24`, 'dev', 'wan0']);
    sh('ip', ['-n', nlb, 'addr', 'add', `${NAT_GATEWAY_ADDRESS}/24`, 'dev', 'wan0']);
    // The test itself (the store, the control plane) sits on the workers' network.
    veth(rootIf, undefined, `${prefix}nr`, nlb);
    sh('ip', ['addr', 'add', `${TEST_HOST_ADDRESS}/24`, 'dev', rootIf]);
    up(undefined, rootIf);
    enslave(nlb, `${prefix}nr`, 'br0');

    const workers: Topology['workers'] = [];
    for (let i = 0; i < options.workers; i++) {
      const ns = netns(`w${i}`);
      const address = `10.0.0.${11 + i}`;
      veth('eth0', ns, `${prefix}w${i}`, nlb);
      sh('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      up(ns, 'eth0');
      sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', '10.0.0.1']);
      enslave(nlb, `${prefix}w${i}`, 'br0');
      workers.push({ netns: ns, address });
    }

    const sites: string[] = [];
    const boxes: Box[] = [];
    for (let s = 1; s <= options.sites; s++) {
      const site = netns(`s${s}`);
      forward(site);
      sites.push(site);
      veth('wan', site, `${prefix}s${s}`, inet);
      sh('ip', ['-n', site, 'addr', 'add', `203.0.113.${100 + s}/24`, 'dev', 'wan']);
      up(site, 'wan');
      enslave(inet, `${prefix}s${s}`, 'brI');
      bridge(site, 'lan');
      sh('ip', ['-n', site, 'addr', 'add', `192.168.${s}.1/24`, 'dev', 'lan']);
      // A home router: masquerade with random ports, nothing unsolicited comes in.
      sh('ip', ['netns', 'exec', site, 'nft', '-f', '-'], `
table ip nat {
  chain postrouting { type nat hook postrouting priority srcnat; oifname "wan" masquerade random; }
}
table ip filter {
  chain forward { type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan" oifname "wan" accept
  }
}`);
      for (let b = 0; b < options.boxesPerSite; b++) {
        const ns = netns(`s${s}b${b}`);
        const address = `192.168.${s}.${10 + b}`;
        veth('eth0', ns, `${prefix}s${s}b${b}`, site);
        sh('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
        up(ns, 'eth0');
        sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', `192.168.${s}.1`]);
        enslave(site, `${prefix}s${s}b${b}`, 'lan');
        boxes.push({ netns: ns, address, site: s });
      }
    }

    // The NLB: new UDP flows to 4569 spread over the targets, each flow pinned to its target
    // by conntrack; flows forgotten after 120 s idle, as the NLB forgets them.
    run(nlb, 'sysctl', ['-q', '-w', 'net.netfilter.nf_conntrack_udp_timeout=120', 'net.netfilter.nf_conntrack_udp_timeout_stream=120']);
    const setTargets = (indexes: readonly number[]): void => {
      const map = indexes.map((w, i) => `${i} : ${workers[w]!.address}`).join(', ');
      sh('ip', ['netns', 'exec', nlb, 'nft', '-f', '-'], `
flush ruleset
table ip nlb {
  chain prerouting { type nat hook prerouting priority dstnat;
    iifname "wan0" ip daddr ${NLB_ADDRESS} udp dport 4569 dnat to numgen inc mod ${indexes.length} map { ${map} }
  }
  chain postrouting { type nat hook postrouting priority srcnat;
    oifname "wan0" ip saddr 10.0.0.0/24 snat to ${NAT_GATEWAY_ADDRESS}
  }
}`);
    };
    setTargets(workers.map((_, i) => i));

    return {
      prefix,
      workers,
      boxes,
      nlb,
      sites,
      run,
      setTargets,
      endFlowsTo: (worker) => {
        try {
          run(nlb, 'conntrack', ['-D', '-p', 'udp', '--reply-src', workers[worker]!.address]);
        } catch (error) {
          if (!/0 flow entries/.test((error as Error).message)) throw error;
        }
      },
      expireMapping: (box) => {
        // The box's public port is the reply tuple's destination port in its router's table.
        const site = sites[box.site - 1]!;
        const listing = run(site, 'conntrack', ['-L', '-p', 'udp', '--orig-src', box.address, '--orig-dst', NLB_ADDRESS]);
        const ports = [...listing.matchAll(/src=203\.0\.113\.10 dst=203\.0\.113\.\d+ sport=4569 dport=(\d+)/g)].map((m) => m[1]!);
        const drop = (ns: string, filter: string[]): void => {
          try {
            run(ns, 'conntrack', ['-D', '-p', 'udp', ...filter]);
          } catch (error) {
            if (!/0 flow entries/.test((error as Error).message)) throw error;
          }
        };
        for (const port of ports) drop(nlb, ['--orig-src', `203.0.113.${100 + box.site}`, '--sport', port]);
        drop(site, ['--orig-src', box.address]);
      },
      destroy: () => {
        for (const ns of created.reverse()) {
          try {
            sh('ip', ['netns', 'del', ns]);
          } catch {
            // already gone
          }
        }
        try {
          sh('ip', ['link', 'del', rootIf]);
        } catch {
          // went with its peer
        }
      },
    };
  } catch (error) {
    for (const ns of created.reverse()) {
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        // best effort
      }
    }
    try {
      sh('ip', ['link', 'del', rootIf]);
    } catch {
      // best effort
    }
    throw error;
  }
}
