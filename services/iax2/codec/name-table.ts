/**
 * Numeric <-> name lookups for the protocol's enums. Each enum is declared once as a
 * `{ NAME: value }` object; this turns it into the reverse map used by decode, the debug dump
 * and the JSON view, so the three can never disagree.
 */
export interface NameTable<V extends number> {
  /** The constant's name for a value, or undefined when the value is not in the table. */
  nameOf(value: number): string | undefined;
  /** The value for a name (exact, upper case), or undefined. */
  valueOf(name: string): V | undefined;
}

export function nameTable<T extends Record<string, number>>(values: T): NameTable<T[keyof T]> {
  const byValue = new Map<number, string>();
  const byName = new Map<string, T[keyof T]>();
  for (const [name, value] of Object.entries(values) as Array<[string, T[keyof T]]>) {
    if (!byValue.has(value)) byValue.set(value, name);
    byName.set(name, value);
  }
  return {
    nameOf: (value) => byValue.get(value),
    valueOf: (name) => byName.get(name),
  };
}
