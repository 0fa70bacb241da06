// A worker over real UDP as the end-to-end worker tests set it up: dynalite, the control API
// on it (control-harness.ts) with tenant acme and acme's API key, acme's iax.conf and
// extensions.conf imported through the API, the worker (startWorker) on loopback with its log
// lines kept, and test PBXes (pbx-endpoint.ts) pointed at it. close() ends it all, the last
// started first; a set-up that fails half way closes what it had started.
import assert from 'node:assert/strict';
import type { RemoteAddress } from '../../services/iax2/transport.ts';
import { startWorker, type Worker, type WorkerOptions } from '../../services/worker/worker.ts';
import { jsonLogger, type Logger, type LogLevel } from '../../shared/logger.ts';
import type { Stores } from '../../shared/store/stores.ts';
import { startControl, type ControlHarness } from './control-harness.ts';
import { startDynalite, type DynamoEngine } from './dynamo-engines.ts';
import { startPbx, type Behaviour, type PbxEndpoint, type PbxOptions } from './pbx-endpoint.ts';

const TENANT = 'acme';

/** What the fixture has made by the time the worker's options are asked for. */
export interface WorkerFixtureParts {
  engine: DynamoEngine;
  control: ControlHarness;
  /** The worker's logger (writing to `logs`). */
  logger: Logger;
  /** Something to close with the fixture: after the worker, before the control API and the store. */
  onClose: (close: () => Promise<void> | void) => void;
}

export interface WorkerFixtureOptions {
  /** acme's limits (none: the platform's defaults). */
  limits?: Record<string, number>;
  /** The control API's options (its operator settings, for instance). */
  control?: Parameters<typeof startControl>[1];
  /** acme's iax.conf and extensions.conf, imported before the worker starts. */
  conf?: { iax: string; extensions: string };
  /** The lowest level the worker's log keeps (default info). */
  logLevel?: LogLevel;
  /**
   * The worker's options over the fixture's (workerId w1, the control API's stores, loopback
   * ports the kernel picks, the kept log); a function when they are built from the fixture's
   * parts (a store reached through a proxy, say).
   */
  worker?: Partial<WorkerOptions> | ((parts: WorkerFixtureParts) => Partial<WorkerOptions> | Promise<Partial<WorkerOptions>>);
}

export interface FixturePbxOptions extends PbxOptions {
  /** What the box does with a call (default: answers). */
  behaviour?: (extension: string) => Behaviour;
  /** Its registration's refresh, in seconds (default 60). */
  refreshS?: number;
}

export interface WorkerFixture {
  engine: DynamoEngine;
  control: ControlHarness;
  /** The store as the control API sees it: what the worker wrote, read directly. */
  stores: Stores;
  /** acme's API key. */
  key: string;
  worker: Worker;
  /** The worker's IAX2 address, where the PBXes send. */
  platform: RemoteAddress;
  /** Every line the worker logged, in order. */
  logs: string[];
  /** Imports acme's iax.conf and extensions.conf through the API; anything but 200 fails. */
  importConf(iax: string, extensions: string): Promise<void>;
  /** A test PBX registering to the worker (unless `register: false`), closed with the fixture. */
  pbx(name: string, secret: string, options?: FixturePbxOptions): Promise<PbxEndpoint>;
  close(): Promise<void>;
}

export async function startWorkerFixture(options: WorkerFixtureOptions = {}): Promise<WorkerFixture> {
  const closers: Array<() => Promise<void> | void> = [];
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => closed ??= (async () => {
    for (const closer of [...closers].reverse()) await closer();
  })();
  try {
    const engine = await startDynalite();
    closers.push(() => engine.stop());
    const control = await startControl(engine, options.control);
    closers.push(() => control.close());
    const key = await control.addTenant(TENANT, options.limits);
    const importConf = async (iax: string, extensions: string): Promise<void> => {
      const imported = await control.call('POST', `/v1/tenants/${TENANT}/import`, { key, body: { files: [{ name: 'iax.conf', text: iax }, { name: 'extensions.conf', text: extensions }] } });
      assert.equal(imported.status, 200, JSON.stringify(imported.body));
    };
    if (options.conf !== undefined) await importConf(options.conf.iax, options.conf.extensions);
    const logs: string[] = [];
    const logger = jsonLogger({ service: 'worker', level: options.logLevel ?? 'info', write: (line) => logs.push(line) });
    const own = typeof options.worker === 'function'
      ? await options.worker({ engine, control, logger, onClose: (closer) => void closers.push(closer) })
      : options.worker;
    const worker = await startWorker({
      workerId: 'w1',
      stores: control.control.stores,
      iax: { address: '127.0.0.1', port: 0 },
      status: { address: '127.0.0.1', port: 0 },
      logger,
      ...own,
    });
    closers.push(() => worker.close());
    const platform = worker.transport.localAddress();
    return {
      engine,
      control,
      stores: control.control.stores,
      key,
      worker,
      platform,
      logs,
      importConf,
      async pbx(name, secret, { behaviour, refreshS, ...pbxOptions } = {}) {
        const endpoint = await startPbx(name, secret, platform, behaviour, refreshS, pbxOptions);
        closers.push(() => endpoint.close());
        return endpoint;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
