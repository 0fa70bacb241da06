// The parent's side of a PBX agent (pbx-agent.ts) running in a network namespace.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AgentRequest, CallReport } from './pbx-agent.ts';
import type { PbxOptions } from './pbx-endpoint.ts';

const AGENT = fileURLToPath(new URL('./pbx-agent.ts', import.meta.url));

export class PbxRemote {
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly output: string[] = [];

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const pending = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.ok) pending?.resolve(message.result);
      else pending?.reject(new Error(`${name}: ${message.error}`));
    });
    child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.on('exit', () => {
      for (const pending of this.waiting.values()) pending.reject(new Error(`${name}: the agent exited`));
      this.waiting.clear();
    });
  }

  /** Starts a box in namespace `netns`, listening on its 4569 as Asterisk does, registering to `platform`. */
  static async start(netns: string, name: string, secret: string, platform: { address: string; port: number }, refreshS: number, options: PbxOptions = {}): Promise<PbxRemote> {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '--import', 'tsx', AGENT], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const remote = new PbxRemote(name, child);
    await remote.ask({ op: 'start', name, secret, platform, refreshS, options: { bind: { address: '0.0.0.0', port: 4569 }, ...options } });
    return remote;
  }

  private ask<T>(request: AgentRequest): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, request });
    });
  }

  registration(): Promise<string> {
    return this.ask({ op: 'registration' });
  }

  reregister(): Promise<boolean> {
    return this.ask({ op: 'reregister' });
  }

  dial(extension: string): Promise<number> {
    return this.ask({ op: 'dial', extension });
  }

  /** The last call this box was given for `extension`, or null. */
  incoming(extension: string): Promise<number | null> {
    return this.ask({ op: 'incoming', extension });
  }

  call(ref: number): Promise<CallReport> {
    return this.ask({ op: 'call', ref });
  }

  sendVoice(ref: number, frames: number, marker: number): Promise<number> {
    return this.ask({ op: 'voice', ref, frames, marker });
  }

  hangup(ref: number): Promise<boolean> {
    return this.ask({ op: 'hangup', ref });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.ask({ op: 'close' }).catch(() => {});
    this.child.kill('SIGKILL');
  }
}
