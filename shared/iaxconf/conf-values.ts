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

/** `"Name" <number>`, `Name <number>`, `<number>` or a bare number/name. */
export function parseCallerId(value: string): { name?: string; number?: string } {
  const match = /^\s*(?:"([^"]*)"|([^<]*?))\s*(?:<([^>]*)>)?\s*$/.exec(value);
  const name = (match?.[1] ?? match?.[2] ?? '').trim();
  const number = match?.[3]?.trim();
  if (number === undefined && /^[+0-9*#() -]+$/.test(name)) return { number: name.replace(/[() -]/g, '') };
  const id: { name?: string; number?: string } = {};
  if (name !== '') id.name = name;
  if (number !== undefined && number !== '') id.number = number.replace(/[() -]/g, '');
  return id;
}
