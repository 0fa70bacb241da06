import { EncodeErrorCode, Iax2EncodeError } from './errors.ts';

/** Range checks shared by every frame encoder, so each refuses bad values the same way. */

const MAX_CALL_NUMBER = 0x7fff;

/** Call numbers are 15 bits; `min` is 1 where 0 would change the frame's kind (mini frames). */
export function checkCallNumber(which: string, call: number, min = 0): void {
  if (!Number.isInteger(call) || call < min || call > MAX_CALL_NUMBER) {
    throw new Iax2EncodeError(
      EncodeErrorCode.CALL_NUMBER_RANGE,
      `${which} call number ${call} is not ${min}..${MAX_CALL_NUMBER}`,
    );
  }
}

export function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Iax2EncodeError(EncodeErrorCode.FIELD_RANGE, `${name} ${value} is not 0..${max}`);
  }
}
