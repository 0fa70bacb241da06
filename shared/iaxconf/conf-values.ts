/** Value forms shared by iax.conf options: Asterisk's ideas of true, lists, caller ID. */

/** ast_true: yes, true, y, t, 1, on. */
export function isTrue(value: string): boolean {
  return /^(yes|true|y|t|1|on)$/i.test(value.trim());
}

/** ast_false: no, false, n, f, 0, off. */
export function isFalse(value: string): boolean {
  return /^(no|false|n|f|0|off)$/i.test(value.trim());
}

export function list(value: string, separator: RegExp): string[] {
  return value.split(separator).map((v) => v.trim()).filter((v) => v !== '');
}

/** What may follow the name: nothing, or `<number>`, with spaces around. */
const NUMBER_PART = /^<([^>]*)>$/;

/**
 * `"Name" <number>`, `Name <number>`, `<number>` or a bare number/name; anything else reads as
 * no caller ID. Split by hand, in one pass: a single regex for this backtracks for minutes on
 * a long run of spaces, and the text comes from tenants.
 */
export function parseCallerId(value: string): { name?: string; number?: string } {
  const text = value.trim();
  const quoted = /^"([^"]*)"/.exec(text);
  const afterQuote = quoted === null ? undefined : text.slice(quoted[0].length).trim();
  const useQuote = quoted !== null && afterQuote !== undefined && (afterQuote === '' || NUMBER_PART.test(afterQuote));
  const lt = text.indexOf('<');
  const rawName = useQuote ? (quoted?.[1] ?? '') : lt < 0 ? text : text.slice(0, lt);
  const tail = useQuote ? (afterQuote ?? '') : lt < 0 ? '' : text.slice(lt).trim();
  const numberPart = tail === '' ? undefined : NUMBER_PART.exec(tail);
  if (numberPart === null) return {};
  const name = rawName.trim();
  const number = numberPart?.[1]?.trim();
  if (number === undefined && /^[+0-9*#() -]+$/.test(name)) return { number: name.replace(/[() -]/g, '') };
  const id: { name?: string; number?: string } = {};
  if (name !== '') id.name = name;
  if (number !== undefined && number !== '') id.number = number.replace(/[() -]/g, '');
  return id;
}
