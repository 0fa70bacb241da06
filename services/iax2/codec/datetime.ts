/**
 * The DATETIME IE (protocol.md §3.3): the sender's local time packed in a u32, at two-second
 * resolution.
 *
 *   31          25 24    21 20      16 15      11 10         5 4        0
 *  +--------------+--------+----------+----------+------------+----------+
 *  | year - 2000  | month  |   day    |  hour    |  minute    | second/2 |
 *  +--------------+--------+----------+----------+------------+----------+
 *
 * Decoding maps bits to fields one for one (no calendar checks), so any u32 survives a round
 * trip; encoding checks each field fits its bits.
 */
export interface IaxDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** Always even on the wire. */
  second: number;
}

export function unpackDateTime(packed: number): IaxDateTime {
  return {
    year: 2000 + (packed >>> 25),
    month: (packed >>> 21) & 0x0f,
    day: (packed >>> 16) & 0x1f,
    hour: (packed >>> 11) & 0x1f,
    minute: (packed >>> 5) & 0x3f,
    second: (packed & 0x1f) * 2,
  };
}

/** Packs the fields; throws RangeError naming the first field that does not fit. */
export function packDateTime(dt: IaxDateTime): number {
  const check = (name: string, value: number, min: number, max: number): number => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`DATETIME ${name} ${value} is not ${min}..${max}`);
    }
    return value;
  };
  const year = check('year', dt.year, 2000, 2127) - 2000;
  const month = check('month', dt.month, 0, 15);
  const day = check('day', dt.day, 0, 31);
  const hour = check('hour', dt.hour, 0, 31);
  const minute = check('minute', dt.minute, 0, 63);
  const second = check('second', dt.second, 0, 63);
  return ((year << 25) | (month << 21) | (day << 16) | (hour << 11) | (minute << 5) | (second >> 1)) >>> 0;
}

/** Formatters by zone: building one costs far more than using it (every NEW and REGACK carries a DATETIME). */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 64;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= MAX_FORMATTERS) formatters.delete(formatters.keys().next().value!);
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The DATETIME for an instant as seen in `timeZone` (an IANA name such as a peer's `zonetag`,
 * or "UTC"). Asterisk sends its own local time; a hosted platform should say which zone.
 */
export function dateTimeAt(instant: Date, timeZone = 'UTC'): IaxDateTime {
  if (timeZone === 'UTC') {
    return {
      year: instant.getUTCFullYear(),
      month: instant.getUTCMonth() + 1,
      day: instant.getUTCDate(),
      hour: instant.getUTCHours(),
      minute: instant.getUTCMinutes(),
      second: instant.getUTCSeconds() & ~1,
    };
  }
  const parts = formatterFor(timeZone).formatToParts(instant);
  const field = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
    second: field('second') & ~1,
  };
}

/** "YYYY-MM-DDTHH:MM:SS", zero padded. */
export function formatDateTime(dt: IaxDateTime): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${String(dt.year).padStart(4, '0')}-${two(dt.month)}-${two(dt.day)}T${two(dt.hour)}:${two(dt.minute)}:${two(dt.second)}`;
}
