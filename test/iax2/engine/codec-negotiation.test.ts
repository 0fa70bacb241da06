import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Format } from '../../../services/iax2/codec/index.ts';
import { acceptable, chooseFormat, type NegotiationInput } from '../../../services/iax2/engine/codec-negotiation.ts';

const base: NegotiationInput = {
  hostCapability: Format.ULAW | Format.ALAW | Format.GSM,
  hostPrefs: [Format.GSM, Format.ALAW, Format.ULAW],
  peerCapability: Format.ULAW | Format.GSM | Format.OPUS,
  peerFormat: Format.ULAW,
  peerPrefs: [Format.OPUS, Format.ULAW, Format.GSM],
  priority: 'host',
};

describe('codec negotiation (protocol.md §3.6)', () => {
  it('host priority walks the callee\'s own order over the common formats', () => {
    assert.equal(chooseFormat(base), Format.GSM);
  });

  it('caller priority walks the caller\'s prefs first', () => {
    assert.equal(chooseFormat({ ...base, priority: 'caller' }), Format.ULAW);
  });

  it('without host prefs, the caller\'s prefs, then Asterisk\'s best order decide', () => {
    assert.equal(chooseFormat({ ...base, hostPrefs: [] }), Format.ULAW);
    assert.equal(chooseFormat({ ...base, hostPrefs: [], peerPrefs: [] }), Format.ULAW);
  });

  it('disabled takes FORMAT AND capability as it is; reqonly insists on the requested format', () => {
    assert.equal(chooseFormat({ ...base, priority: 'disabled', peerFormat: Format.ULAW | Format.ALAW }), Format.ULAW | Format.ALAW);
    assert.equal(chooseFormat({ ...base, priority: 'reqonly', peerFormat: Format.GSM }), Format.GSM);
    assert.equal(chooseFormat({ ...base, priority: 'reqonly', peerFormat: Format.OPUS }), undefined);
  });

  it('nothing in common gives undefined (REJECT cause 58)', () => {
    assert.equal(chooseFormat({ ...base, peerCapability: Format.G729, peerFormat: Format.G729 }), undefined);
  });

  it('video is never chosen as the voice format', () => {
    assert.equal(chooseFormat({ ...base, hostCapability: Format.H264 | Format.GSM, hostPrefs: [Format.H264, Format.GSM], peerCapability: Format.H264 | Format.GSM }), Format.GSM);
  });

  it('the caller accepts an ACCEPT only within what it offered', () => {
    assert.ok(acceptable(Format.ULAW, Format.ULAW | Format.ALAW));
    assert.ok(!acceptable(Format.GSM, Format.ULAW | Format.ALAW));
    assert.ok(!acceptable(0n, Format.ULAW));
  });
});
