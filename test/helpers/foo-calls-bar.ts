// The call the stop-and-restart tests keep up while they stop things: tenant acme with two
// boxes, foo (secret s1) and bar (s2), whose calls to 2X go to bar, provisioned through the
// API as an operator does; then foo's call to bar's 21, answered, each leg's end recorded as
// it comes.
import assert from 'node:assert/strict';
import type { Call } from '../../services/iax2/call/call.ts';
import type { RemoteAddress } from '../../services/iax2/transport.ts';
import { watch } from './call-watch.ts';
import { startPbx, type PbxEndpoint } from './pbx-endpoint.ts';
import { waitFor } from './wait-for.ts';

/** A request to the platform's API as the operator. */
export type OperatorApi = (method: string, path: string, body?: unknown) => Promise<Response>;

export async function provisionFooAndBar(api: OperatorApi): Promise<void> {
  assert.equal((await api('POST', '/v1/tenants', { tenantId: 'acme', name: 'Acme' })).status, 201);
  const conf = '[foo]\ntype=friend\nhost=dynamic\nsecret=s1\ncontext=in\n\n[bar]\ntype=friend\nhost=dynamic\nsecret=s2\ncontext=in\n';
  const routes = '[in]\nexten => _2X,1,Dial(IAX2/bar/${EXTEN})\n';
  assert.equal((await api('POST', '/v1/tenants/acme/import', { files: [{ name: 'iax.conf', text: conf }, { name: 'extensions.conf', text: routes }] })).status, 200);
}

export interface LegEnding {
  /** performance.now() when the leg's HANGUP came. */
  at: number;
  cause: number | undefined;
  /** Why the leg closed after it (`hangup-received` when the HANGUP ended it). */
  closedBy?: string;
}

export interface FooCallsBar {
  foo: PbxEndpoint;
  bar: PbxEndpoint;
  fooCall: Call;
  barCall: Call;
  /** Each leg's end, by box name, once its HANGUP has come. */
  endings: Map<string, LegEnding>;
}

/** foo and bar registered at `platform` (added to `pbxes`, for the caller to close), and foo's call to bar's 21 answered. */
export async function fooCallsBar(platform: RemoteAddress, pbxes: PbxEndpoint[], refreshS?: number): Promise<FooCallsBar> {
  const foo = await startPbx('foo', 's1', platform, undefined, refreshS);
  const bar = await startPbx('bar', 's2', platform, undefined, refreshS);
  pbxes.push(foo, bar);
  await Promise.all([foo.registered(), bar.registered()]);
  const fooCall = foo.dial('21');
  const seen = watch(fooCall);
  const barCall = (await waitFor('bar rings', () => bar.incoming[0])).call;
  await waitFor('the answer', () => (seen.answered ? true : undefined));
  const endings = new Map<string, LegEnding>();
  const record = (name: string, call: Call): void => {
    call.events.on('hangup', ({ causeCode }) => endings.set(name, { at: performance.now(), cause: causeCode }));
    call.events.on('closed', ({ reason }) => {
      const ending = endings.get(name);
      if (ending !== undefined) ending.closedBy = reason;
    });
  };
  record('foo', fooCall);
  record('bar', barCall);
  return { foo, bar, fooCall, barCall, endings };
}
