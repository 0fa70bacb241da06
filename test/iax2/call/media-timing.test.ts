import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Format } from '../../../services/iax2/codec/formats.ts';
import { frameDurationMs } from '../../../services/iax2/call/media-timing.ts';

describe('voice frame durations', () => {
  it('from the format\'s bytes per ms, whatever was asked just before', () => {
    // Interleaved as a relay asks for calls of different formats: the remembered last answer
    // must never leak into the next question.
    const cases: Array<[bigint, number, number]> = [
      [Format.ULAW, 160, 20],
      [Format.G729, 20, 20],
      [Format.ULAW, 160, 20],
      [Format.ULAW, 240, 30],
      [Format.SLIN16, 640, 20],
      [Format.GSM, 33, 20],
      [Format.G729, 10, 10],
      [Format.ALAW, 80, 10],
      [Format.ULAW, 0, 20],
      [Format.SPEEX, 38, 20],
      [Format.ULAW, 160, 20],
    ];
    for (const [format, bytes, ms] of cases) assert.equal(frameDurationMs(format, bytes), ms, `${format} ${bytes} bytes`);
  });
});
