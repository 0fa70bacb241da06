// The web console end to end, in headless Chromium against `npm start`'s platform process:
// the operator adds tenants and keys; a tenant signs in with its key, adds a peer through the
// form (the API's refusal shown at the field first), imports the rest (problems marked
// file:line in the text), watches two test PBXes register and qualify OK, sees their call in
// progress, then in the CDRs with both legs' quality charted, and in the activity chart; the
// tenant's key cannot see another tenant's anything; the layout holds at phone width and from
// the keyboard. Each view is saved as a screenshot under test-artifacts/console/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Call } from '../../services/iax2/call/call.ts';
import { artifact, launchChromium } from '../helpers/console-browser.ts';
import { npmStart, type NpmStart } from '../helpers/npm-start.ts';
import { startPbx, type PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';

const FOO_SECRET = 'foo-Secret-4711';
const BAR_SECRET = 'bar-Secret-0815';

/** 20 ms voice frames, paced in real time as a phone sends them, until stopped. */
function talk(call: Call, marker: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    call.sendVoice(Buffer.alloc(160, (marker + i) & 0xff), { timestamp: 1000 + i * 20 });
    i++;
  }, 20);
  return () => clearInterval(timer);
}

describe('the web console, in Chromium, against npm start', () => {
  let platform: NpmStart;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pbxes: PbxEndpoint[] = [];
  const pageErrors: string[] = [];
  let acmeKey = '';
  let globexKey = '';

  const api = async (method: string, path: string, key: string, body?: unknown): Promise<any> => {
    const response = await platform.api(method, path, body, key);
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  const open = async (hash: string): Promise<void> => {
    await page.goto(`${platform.url}/#${hash}`);
  };
  const shot = async (name: string): Promise<void> => {
    // Let the countdowns and charts settle before the picture.
    await page.waitForTimeout(300);
    await page.screenshot({ path: artifact(name), fullPage: true });
  };
  const signIn = async (key: string): Promise<void> => {
    await page.goto(`${platform.url}/`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  };
  const signOut = async (): Promise<void> => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
  };

  before(async () => {
    [platform, browser] = await Promise.all([npmStart({ console: true }), launchChromium()]);
    await platform.up(40_000);
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    page = await context.newPage();
    // A CSP violation or a script error is a console error: none may happen.
    // The API's refusals the tests provoke (400, 401, 403, 404) are logged by the browser as failed loads:
    // those are checked where they happen. Everything else is an error here.
    page.on('console', (message) => {
      if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('response', (response) => {
      if (!new URL(response.url()).pathname.startsWith('/v1/') && response.status() >= 400) pageErrors.push(`${response.status()} for ${response.url()}`);
    });
  });
  after(async () => {
    for (const pbx of pbxes) await pbx.close();
    await browser?.close();
    await platform?.close();
  });

  it('the operator signs in, adds tenants with limits, suspends and resumes one, and creates keys shown once', async () => {
    await page.goto(`${platform.url}/`);
    await shot('sign-in');
    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await page.getByTestId('error-api-key').innerText(), /not a Strowger API key/);
    await page.getByLabel('API key').fill(`stg_op_${'x'.repeat(43)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await page.getByTestId('api-error').innerText(), /a valid API key is needed/, 'the API\'s refusal, as it said it');

    await signIn(platform.operatorKey);
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
    await page.getByText('No tenants yet.').waitFor();
    await shot('tenants-empty');
    for (const [id, name, peers] of [['acme', 'Acme Telephone Co', '25'], ['globex', 'Globex Corporation', '10']] as const) {
      await page.getByRole('button', { name: 'Add tenant' }).click();
      await page.getByLabel('Tenant id').fill(id);
      await page.getByLabel('Name').fill(name);
      await page.getByLabel('Peers at most').fill(peers);
      await page.getByRole('button', { name: 'Create tenant' }).click();
      await page.locator(`tr[data-tenant="${id}"]`).waitFor();
    }
    // A bad limit is refused by the API, its message shown under the field.
    await page.getByRole('button', { name: 'Add tenant' }).click();
    await page.getByLabel('Tenant id').fill('initech');
    await page.getByLabel('Peers at most').fill('-3');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    assert.match(await page.getByTestId('error-tenant-max-peers').innerText(), /maxPeers/);
    await page.getByRole('button', { name: 'Close' }).click();

    const globexRow = page.locator('tr[data-tenant="globex"]');
    await globexRow.getByRole('button', { name: 'Suspend' }).click();
    await globexRow.getByText('Suspended').waitFor();
    assert.equal((await api('GET', '/v1/tenants/globex', platform.operatorKey)).body.status, 'suspended');
    await globexRow.getByRole('button', { name: 'Resume' }).click();
    await globexRow.getByText('Active').waitFor();
    assert.match(await page.locator('tr[data-tenant="acme"]').innerText(), /0 \/ 25/, 'peers used of the limit');

    for (const id of ['acme', 'globex']) {
      await page.locator(`tr[data-tenant="${id}"]`).getByRole('link', { name: 'Keys' }).click();
      await page.getByRole('heading', { name: 'API keys' }).waitFor();
      await page.getByRole('button', { name: 'Create key' }).click();
      const key = await page.getByTestId('new-key').innerText();
      assert.match(key, new RegExp(`^stg_${id}_`));
      if (id === 'acme') {
        acmeKey = key;
        await shot('keys-created');
      } else globexKey = key;
      // Shown once: after a reload, only the prefix.
      await page.reload();
      await page.getByRole('heading', { name: 'API keys' }).waitFor();
      await page.locator('td[data-label="Key"]').first().waitFor();
      assert.ok(!(await page.content()).includes(key), 'the key is not shown again');
      await page.getByRole('link', { name: 'Tenants' }).click();
    }
    await page.locator('tr[data-tenant="acme"]').waitFor();
    await shot('tenants');
    // Globex gets a peer of its own, which acme must never see.
    assert.equal((await api('POST', '/v1/tenants/globex/peers', globexKey, { name: 'globex-hq', type: 'friend', host: 'dynamic', secrets: ['g-secret-1'] })).status, 201);
    await signOut();
    assert.equal(await page.evaluate<number>('window.sessionStorage.length + window.localStorage.length'), 0, 'signing out forgets the key; nothing in localStorage ever');
  });

  it('the tenant adds a peer through the form: the API\'s refusal first, at the field, then created', async () => {
    await signIn(acmeKey);
    assert.equal(await page.getByTestId('role').innerText(), 'Tenant acme');
    assert.deepEqual(await page.evaluate<unknown>('[Object.keys(window.sessionStorage), window.localStorage.length]'), [['strowger.console.key'], 0]);
    await page.getByText('No peers yet.').waitFor();
    await shot('peers-empty');
    await page.getByRole('link', { name: 'Add peer' }).first().click();
    await page.getByLabel('Name [section]').fill('foo bar');
    await page.getByLabel('secret=').fill(FOO_SECRET);
    await page.getByLabel('context=').fill('in');
    await page.getByRole('button', { name: 'Create peer' }).click();
    const refusal = await page.getByTestId('error-peer-name').innerText();
    const direct = await api('POST', '/v1/tenants/acme/peers', acmeKey, { name: 'foo bar', type: 'friend', host: 'dynamic' });
    assert.equal(refusal, direct.body.error.message, 'the API\'s own message, under the field it names');
    assert.equal(await page.evaluate<string | undefined>('document.activeElement?.id'), 'peer-name', 'focus goes to the refused field');
    await shot('peer-form-refused');
    await page.getByLabel('Name [section]').fill('foo');
    await page.getByRole('button', { name: 'Create peer' }).click();
    await page.locator('tr[data-peer="foo"]').waitFor();
    const stored = await api('GET', '/v1/tenants/acme/peers/foo', acmeKey);
    assert.deepEqual([stored.body.type, stored.body.host, stored.body.contexts, stored.body.qualify, stored.body.auth, stored.body.secretCount], ['friend', 'dynamic', ['in'], 2000, ['md5'], 1]);
    // Editing shows no secret, only that one is stored.
    await page.locator('tr[data-peer="foo"]').getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Peer foo' }).waitFor();
    assert.equal(await page.getByLabel('secret=').inputValue(), '');
    assert.ok(!(await page.content()).includes(FOO_SECRET), 'no secret on the page');
    await page.getByLabel('description=').fill('Front office box');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('tr[data-peer="foo"]').waitFor();
    assert.equal((await api('GET', '/v1/tenants/acme/peers/foo', acmeKey)).body.description, 'Front office box');
  });

  it('RSA keys: generated by the API, the private key downloaded once, the public one among the peer\'s inkeys', async () => {
    await open('/t/acme/peers/edit/foo');
    await page.getByRole('button', { name: 'Generate key pair' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download foo.key' }).click()]);
    assert.equal(download.suggestedFilename(), 'foo.key');
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    assert.match(readFileSync(path, 'utf8'), /BEGIN RSA PRIVATE KEY/);
    await page.getByText('foo.key was downloaded and forgotten here.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Download foo.key' }).count(), 0, 'offered once');
    assert.ok(!(await page.content()).includes('PRIVATE KEY'));
    assert.deepEqual((await api('GET', '/v1/tenants/acme/peers/foo', acmeKey)).body.inkeys, ['foo']);
    await shot('peer-edit');
  });

  it('import: refused lines marked file:line in the text, then imported; routes listed, added and removed', async () => {
    await open('/t/acme/import');
    const badIax = '[bar]\ntype=friend\nhost=dynamic\nsecret=' + BAR_SECRET + '\nqualify=sometimes\ncontext=in\n';
    const extensions = '[in]\nexten => _2X,1,Dial(IAX2/bar/${EXTEN})\nexten => _1X,1,Dial(IAX2/foo/${EXTEN})\n';
    await page.getByLabel('Paste iax.conf').fill(badIax);
    await page.getByLabel('Paste extensions.conf').fill(extensions);
    await page.getByRole('button', { name: 'Check (dry run)' }).click();
    const problems = await page.getByTestId('import-problems').innerText();
    assert.match(problems, /iax\.conf:5: /, 'the refused line by file and number');
    assert.ok(!problems.includes(BAR_SECRET));
    assert.match(await page.locator('#line-5').innerText(), /qualify=sometimes/, 'marked in the text itself');
    await shot('import-problems');
    await page.getByLabel('Paste iax.conf').fill(badIax.replace('qualify=sometimes', 'qualify=yes'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Imported.').waitFor();
    assert.match(await page.getByText('Peers created').innerText(), /bar/);
    await open('/t/acme/routes');
    await page.getByRole('cell', { name: '_2X' }).waitFor();
    await page.getByRole('button', { name: 'Add route' }).click();
    await page.getByLabel('Context').fill('in');
    await page.getByLabel('Pattern').fill('_3XX');
    await page.getByLabel('Destinations').fill('IAX2/bar/${EXTEN:1}\nIAX2/foo/${EXTEN}');
    await page.getByRole('button', { name: 'Add route' }).last().click();
    const added = page.getByRole('cell', { name: '_3XX', exact: true });
    await added.waitFor();
    await shot('routes');
    const row = page.locator('tr', { has: added });
    await row.getByRole('button', { name: 'Remove' }).click();
    await row.getByRole('button', { name: 'Remove _3XX' }).click();
    await added.waitFor({ state: 'detached' });
    assert.equal((await api('GET', '/v1/tenants/acme/routes?context=in', acmeKey)).body.items.length, 2);
  });

  it('two PBXes register; the peers view shows them qualified OK with address, worker and expiry', async () => {
    await open('/t/acme/peers');
    const foo = await startPbx('foo', FOO_SECRET, platform.iax, () => 'answer', 60);
    const bar = await startPbx('bar', BAR_SECRET, platform.iax, () => 'answer', 60);
    pbxes.push(foo, bar);
    for (const name of ['foo', 'bar']) {
      const status = page.locator(`tr[data-peer="${name}"] [data-testid="peer-status"]`);
      await waitFor(`${name} OK in the console`, async () => ((await status.innerText()).startsWith('OK') ? true : undefined), 20_000);
    }
    const row = await page.locator('tr[data-peer="foo"]').innerText();
    assert.match(row, new RegExp(`127\\.0\\.0\\.1:${foo.transport.localAddress().port}`), 'the box\'s address');
    assert.match(row, /\d+ ms/, 'qualify latency');
    assert.match(row, /in \d+ s|in \d min/, 'expiry counting down');
    const first = await page.locator('tr[data-peer="foo"] [data-testid="expires"]').innerText();
    await page.waitForTimeout(2100);
    assert.notEqual(await page.locator('tr[data-peer="foo"] [data-testid="expires"]').innerText(), first, 'the countdown moves');
    await shot('peers');
    // The README's picture (docs/console-peers.png is a copy): the top of the page only.
    await page.screenshot({ path: artifact('peers-readme'), clip: { x: 0, y: 0, width: 1280, height: 450 } });
  });

  it('a call between the two: in progress while up, then a CDR with both legs\' quality charted, and in the activity chart', async () => {
    const [foo, bar] = pbxes as [PbxEndpoint, PbxEndpoint];
    await open('/t/acme/calls');
    await page.getByText('No calls in progress.').waitFor();
    const call = foo.dial('21');
    const delivered = await waitFor('bar rings', () => Promise.resolve(bar.incoming[0]), 5000);
    const stopFoo = talk(call, 0x11);
    const stopBar = talk(delivered.call, 0x77);
    try {
      await page.locator('tr[data-channel^="IAX2/foo"]').waitFor({ timeout: 10_000 }).catch(async (error: unknown) => {
        await shot('calls-failed');
        throw error;
      });
      await page.locator('tr[data-channel]', { hasText: 'callee' }).locator('.pill', { hasText: /^up$/ }).waitFor({ timeout: 10_000 }).catch(async (error: unknown) => {
        await shot('calls-failed');
        throw error;
      });
      assert.match(await page.locator('h1 + p').innerText(), /^1 call, 2 channels/);
      await shot('calls');
      await page.waitForTimeout(2500);
    } finally {
      stopFoo();
      stopBar();
    }
    call.hangup(16);
    await page.getByText('No calls in progress.').waitFor({ timeout: 10_000 });

    await open('/t/acme/cdrs');
    const cdrRow = page.locator('tr[data-call]').filter({ hasText: 'ANSWERED' });
    await waitFor('the finished CDR', async () => {
      await page.getByRole('button', { name: 'Show' }).click();
      return (await cdrRow.count()) > 0 ? true : undefined;
    }, 15_000);
    const cdr = (await api('GET', `/v1/tenants/acme/cdrs?from=${Date.now() - 600_000}`, acmeKey)).body.items[0];
    assert.ok(cdr.rrCaller !== undefined && cdr.rrCallee !== undefined, JSON.stringify(cdr));
    await cdrRow.getByRole('button', { name: 'Quality' }).click();
    const chart = page.getByTestId('quality-chart');
    await chart.waitFor();
    assert.equal(await chart.locator('svg[role="img"]').count(), 3, 'jitter, loss and delay');
    assert.equal(await chart.locator('svg[aria-label^="Jitter"]').getAttribute('aria-label'), `Jitter: Caller leg ${cdr.rrCaller.jitterMs} ms, Callee leg ${cdr.rrCallee.jitterMs} ms`);
    assert.match(await chart.locator('table').innerText(), new RegExp(`Caller leg\\s+${cdr.rrCaller.jitterMs} ms\\s+${cdr.rrCaller.lossPercent} %\\s+${cdr.rrCaller.delayMs} ms\\s+${cdr.rrCaller.packets}`));
    assert.ok(cdr.rrCaller.packets > 50, 'the paced voice was counted');
    await shot('cdr-quality');

    await open('/t/acme/activity');
    const totals = page.getByTestId('activity-totals');
    await totals.waitFor();
    assert.match(await totals.innerText(), /^1\s+calls\s+1\s+answered/);
    await page.locator('.chart canvas').first().waitFor();
    assert.equal(await page.locator('.chart canvas').count(), 2, 'calls and quality charts drawn');
    await shot('activity');
  });

  it('a tenant key sees nothing of another tenant: the API\'s refusals are shown, nothing leaks', async () => {
    for (const section of ['peers', 'routes', 'calls', 'cdrs', 'activity', 'keys']) {
      await open(`/t/globex/${section}`);
      const shown = await page.getByTestId('api-error').innerText({ timeout: 10_000 });
      assert.match(shown, /globex/, `${section}: the refusal names what was asked`);
      assert.match(await page.getByRole('alert').innerText(), /404 STROWGER_ERR_NOT_FOUND/, section);
      const content = await page.content();
      assert.ok(!content.includes('globex-hq') && !content.includes('g-secret-1'), `${section}: no globex data`);
      if (section === 'peers') await shot('isolation-refused');
    }
    await open('/t/globex/peers/edit/globex-hq');
    assert.match(await page.getByTestId('api-error').innerText(), /globex/);
    await open('/tenants');
    assert.match(await page.getByRole('alert').innerText(), /403 STROWGER_ERR_FORBIDDEN/, 'the tenant list needs the operator key');
    assert.ok(!(await page.content()).includes('Globex Corporation'));
  });

  it('at phone width nothing overflows; the keyboard reaches every control, with a visible focus ring', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, name] of [['/t/acme/peers', 'peers-phone'], ['/t/acme/cdrs', 'cdrs-phone']] as const) {
      await open(hash);
      await page.locator('table').first().waitFor();
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(overflow <= 0, `${hash}: ${overflow}px wider than the screen`);
      await shot(name);
    }
    await page.setViewportSize({ width: 1280, height: 860 });
    await open('/t/acme/peers');
    await page.locator('tr[data-peer="foo"]').waitFor();
    // Tab from the top of a fresh page: skip link, brand, sign out, the tabs, then the page's own controls.
    await page.reload();
    await page.locator('tr[data-peer="foo"]').waitFor();
    const reached: string[] = [];
    for (let i = 0; i < 16; i++) {
      await page.keyboard.press('Tab');
      // What has focus, and whether it shows a ring (evaluated in the page, which has a DOM).
      reached.push(await page.evaluate<string>('`${document.activeElement?.textContent?.trim() ?? ""}|${getComputedStyle(document.activeElement).outlineStyle}`'));
    }
    const names = reached.map((r) => r.split('|')[0]);
    for (const expected of ['Skip to content', 'Sign out', 'Peers', 'Routes', 'CDRs', 'Add peer', 'foo', 'Edit', 'Delete']) {
      assert.ok(names.includes(expected), `Tab reaches ${expected}: ${names.join(', ')}`);
    }
    assert.ok(reached.every((r) => !r.endsWith('|none')), `a focus ring on each: ${reached.join(', ')}`);
    // Enter on a focused link follows it.
    await page.getByRole('link', { name: 'Routes' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Routes' }).waitFor();
  });

  it('no script error, CSP violation or missing file on any page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
