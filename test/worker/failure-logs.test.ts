// A destination that fails is a log line, not just a CDR: a worker over real UDP with PBX
// endpoints, its log kept. Each line names the peer, the tenant and the cause, at info when
// the callee said no (busy, not answered, not registered) and warn when the leg failed; a
// caller making every call fail gets a few lines per window, not one per call.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { watch } from '../helpers/call-watch.ts';
import type { PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startWorkerFixture, type WorkerFixture } from '../helpers/worker-fixture.ts';

const IAX_CONF = `[pbx](!)
type=friend
host=dynamic
auth=md5
context=fromiax

[foo](pbx)
secret=foo-secret

[bar](pbx)
secret=bar-secret

[baz](pbx)
secret=baz-secret
`;

const EXTENSIONS_CONF = `[fromiax]
exten => _2X,1,Dial(IAX2/bar/\${EXTEN})
exten => _3X,1,Dial(IAX2/bar/\${EXTEN},1)
exten => _6X,1,Dial(IAX2/baz/\${EXTEN})
`;

interface LogLine {
  level: string;
  message: string;
  peer?: string;
  tenant?: string;
  cause?: number;
  causeText?: string;
  next?: string;
  suppressedSimilar?: number;
}

describe('failed destinations in the worker\'s log', () => {
  let f: WorkerFixture;
  let foo: PbxEndpoint;
  let bar: PbxEndpoint;
  const lines = (message: string, peer: string): LogLine[] =>
    f.logs.map((line) => JSON.parse(line) as LogLine).filter((line) => line.message === message && line.peer === peer);

  before(async () => {
    f = await startWorkerFixture({ limits: { callsPerSecond: 50 }, conf: { iax: IAX_CONF, extensions: EXTENSIONS_CONF } });
    foo = await f.pbx('foo', 'foo-secret');
    // 24 says busy; anything else rings until the test does something about it.
    bar = await f.pbx('bar', 'bar-secret', { behaviour: (extension) => (extension === '24' ? 'busy' : 'ring') });
    await Promise.all([foo.registered(), bar.registered()]);
  });

  after(async () => {
    await f?.close();
  });

  it('busy: one info line with the peer, tenant and cause 17; the call ends', async () => {
    const seen = watch(foo.dial('24'));
    await waitFor('the busy call to end', () => (seen.ended ? true : undefined));
    const [line] = await waitFor('the line', () => (lines('outbound leg failed', 'bar').length > 0 ? lines('outbound leg failed', 'bar') : undefined));
    assert.deepEqual([line?.level, line?.tenant, line?.cause, line?.causeText, line?.next], ['info', 'acme', 17, 'User busy', 'call ends']);
  });

  it('the callee hangs up with a cause before answering: a warn line with that cause', async () => {
    const before = bar.incoming.length;
    const seen = watch(foo.dial('25'));
    const ringing = await waitFor('bar to be called', () => bar.incoming[before]);
    ringing.call.hangup(34);
    await waitFor('the caller to hear the end', () => (seen.ended ? true : undefined));
    const line = await waitFor('the warn line', () => lines('outbound leg failed', 'bar').find((l) => l.cause === 34));
    assert.deepEqual([line.level, line.tenant, line.next], ['warn', 'acme', 'next destination']);
  });

  it('not answered within the Dial timeout: an info line with cause 19', async () => {
    const seen = watch(foo.dial('35'));
    await waitFor('the timed-out call to end', () => (seen.ended ? true : undefined), 5000);
    const line = await waitFor('the line', () => lines('outbound leg not answered in time', 'bar')[0]);
    assert.deepEqual([line.level, line.tenant, line.cause], ['info', 'acme', 19]);
  });

  it('a peer not registered: an info line per call with cause 20, at most 5 in the window however many calls fail', async () => {
    const calls = Array.from({ length: 8 }, (_, i) => watch(foo.dial(`6${i}`)));
    await waitFor('every call to be refused', () => (calls.every((c) => c.ended) ? true : undefined));
    assert.ok(calls.every((c) => c.cause === 20), JSON.stringify(calls.map((c) => c.cause)));
    const logged = lines('destination unavailable', 'baz');
    assert.equal(logged.length, 5, 'the rest are held back and counted');
    assert.deepEqual([logged[0]?.level, logged[0]?.tenant, logged[0]?.cause, logged[0]?.causeText], ['info', 'acme', 20, 'Subscriber absent']);
  });
});
