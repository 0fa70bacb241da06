// The local adapter serving the built console beside the API: the known files with their
// content types and the security headers, index.html at /, nothing else (no traversal, no dot
// files, no other methods), and /v1 still the API.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildConsole } from '../../infra/bundling/build-console.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';

describe('the console served by the local adapter', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let built = '';
  const raw = (method: string, path: string): Promise<Response> => fetch(`${h.url}${path}`, { method });

  before(async () => {
    built = await buildConsole(join(mkdtempSync(join(tmpdir(), 'strowger-console-')), 'console'));
    // Things beside the build that must never be served.
    writeFileSync(join(built, '..', 'secret.txt'), 'outside');
    writeFileSync(join(built, 'notes.md'), 'unknown type');
    mkdirSync(join(built, 'sub'));
    writeFileSync(join(built, 'sub', 'x.js'), 'nested');
    engine = await startDynalite();
    h = await startControl(engine, { consoleDir: built });
  });
  after(async () => {
    await h?.close();
    await engine?.stop();
  });

  it('serves index.html at / and the bundle, each with its type and the security headers', async () => {
    for (const [path, type] of [['/', 'text/html'], ['/index.html', 'text/html'], ['/app.js', 'text/javascript'], ['/app.css', 'text/css'], ['/config.json', 'application/json']] as const) {
      const response = await raw('GET', path);
      assert.equal(response.status, 200, path);
      assert.ok(response.headers.get('content-type')?.startsWith(type), `${path}: ${response.headers.get('content-type')}`);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      const csp = response.headers.get('content-security-policy') ?? '';
      for (const directive of ["frame-ancestors 'none'", "script-src 'self'", "connect-src 'self'", "default-src 'none'"]) assert.ok(csp.includes(directive), `${path}: ${directive}`);
    }
    assert.deepEqual(await (await raw('GET', '/config.json')).json(), { apiUrl: '' }, 'locally the API is the same origin');
    const html = await (await raw('GET', '/')).text();
    assert.match(html, /<script type="module" src="app.js"><\/script>/);
    assert.ok(!/<script>|style="/.test(html), 'no inline script or style for the CSP to allow');
    const head = await raw('HEAD', '/app.js');
    assert.deepEqual([head.status, await head.text()], [200, '']);
  });

  it('nothing else: no traversal, no dot files, no unknown types or folders, GET and HEAD only; /v1 is still the API', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/.inputs.json', '/notes.md', '/sub/x.js', '/sub', '/package.json', '/etc/passwd']) {
      const response = await raw('GET', path);
      assert.equal(response.status, 404, path);
      const text = await response.text();
      assert.ok(!text.includes('outside') && !text.includes('nested'), path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const response = await raw(method, '/index.html');
      assert.deepEqual([response.status, response.headers.get('allow')], [405, 'GET, HEAD'], method);
    }
    assert.equal((await raw('GET', '/v1/openapi.json')).status, 200);
    const api404 = await h.call('GET', '/v1/nowhere', { key: h.operatorKey });
    assert.equal(api404.body.error.code, 'STROWGER_ERR_NOT_FOUND', 'the API answers its own paths');
  });

  it('says how to build the console when there is none', async () => {
    const bare = await startControl(engine, { consoleDir: join(tmpdir(), 'no-such-console-build') });
    try {
      const response = await fetch(`${bare.url}/`);
      assert.equal(response.status, 404);
      assert.match(await response.text(), /npm run build:console/);
    } finally {
      await bare.close();
    }
  });
});
