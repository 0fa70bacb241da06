/**
 * The format the switch asks an outbound leg for: the caller's preferred format when the
 * destination can do it, else the first of the caller's preferences both can do, else the
 * first of the destination's, else the lowest common bit. No transcoding: it must be common.
 */
export function firstCommonFormat(common: bigint, callerFormat: bigint, callerPrefs: readonly bigint[], calleePrefs: readonly bigint[]): bigint | undefined {
  if (common === 0n) return undefined;
  if ((callerFormat & common) !== 0n && (callerFormat & (callerFormat - 1n)) === 0n) return callerFormat;
  for (const format of [...callerPrefs, ...calleePrefs]) if ((format & common) !== 0n) return format;
  return common & -common;
}
