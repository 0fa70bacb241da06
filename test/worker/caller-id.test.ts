import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IncomingCallInfo } from '../../services/iax2/engine/incoming-call.ts';
import { callerIdFor, shrinkNumber } from '../../services/worker/switch/caller-id.ts';
import type { RouteConfig } from '../../shared/model/route.ts';

const info = (fields: Partial<IncomingCallInfo>): IncomingCallInfo => ({
  username: 'u', user: undefined, calledNumber: '100', calledContext: undefined, callingNumber: undefined, callingName: undefined,
  language: undefined, peerCapability: 4n, peerFormat: 4n, peerPrefs: [], encrypted: false, variables: new Map(), ...fields,
});
const route = (rewrite?: RouteConfig['callerIdRewrite']): RouteConfig => ({ tenant: 't', context: 'c', pattern: '_X.', destinations: [{ dial: 'IAX2/p', target: { peer: 'p' } }], ...(rewrite === undefined ? {} : { callerIdRewrite: rewrite }) });

describe('caller ID on the outbound leg', () => {
  it('shrinkcallerid strips ( ) - . and spaces, keeps + and digits', () => {
    assert.equal(shrinkNumber('+1 (555) 010-2000'), '+15550102000');
    assert.equal(shrinkNumber('555.010.2000'), '5550102000');
  });

  it('a route rewrite beats the user\'s callerid=, which beats what the caller sent', () => {
    const sent = info({ callingNumber: '(555) 111', callingName: 'Sent' });
    assert.deepEqual(callerIdFor(sent, route()), { number: '555111', name: 'Sent' });
    assert.deepEqual(callerIdFor(sent, route(), false), { number: '(555) 111', name: 'Sent' });
    const withUser = info({ callingNumber: '111', user: { name: 'u', secrets: [], inkeys: [], acl: [], contexts: ['c'], capability: 4n, prefs: [], callerId: { number: '222', name: 'Office' } } });
    assert.deepEqual(callerIdFor(withUser, route()), { number: '222', name: 'Office' });
    assert.deepEqual(callerIdFor(withUser, route({ number: '333' })), { number: '333', name: 'Office' });
    assert.deepEqual(callerIdFor(info({}), route()), {});
  });
});
