import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aclAllows, parseAcl, parseNetwork } from '../../services/iax2/acl.ts';

describe('permit/deny rules', () => {
  it('the last matching rule decides; no match allows', () => {
    const rules = parseAcl([
      { action: 'deny', network: '0.0.0.0/0.0.0.0' },
      { action: 'permit', network: '192.0.2.0/255.255.255.0' },
      { action: 'deny', network: '192.0.2.66' },
    ]);
    assert.equal(aclAllows(rules, '192.0.2.10'), true);
    assert.equal(aclAllows(rules, '192.0.2.66'), false);
    assert.equal(aclAllows(rules, '198.51.100.1'), false);
    assert.equal(aclAllows([], '198.51.100.1'), true);
  });

  it('IPv6 networks, and IPv4-mapped addresses judged as IPv4', () => {
    const rules = parseAcl([{ action: 'deny', network: '2001:db8::/32' }, { action: 'deny', network: '203.0.113.0/24' }]);
    assert.equal(aclAllows(rules, '2001:db8::1'), false);
    assert.equal(aclAllows(rules, '2001:db9::1'), true);
    assert.equal(aclAllows(rules, '::ffff:203.0.113.7'), false);
  });

  it('refuses malformed networks with a clear error', () => {
    assert.throws(() => parseNetwork('10.0.0.0/33'), { code: 'IAX2_ERR_BAD_NETWORK' });
    assert.throws(() => parseNetwork('10.0.0.0/255.0.255.0'), /not a contiguous netmask/);
    assert.throws(() => parseNetwork('example.com'), { code: 'IAX2_ERR_BAD_NETWORK' });
  });
});
