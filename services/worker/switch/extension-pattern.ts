/**
 * Asterisk's extension matching: a literal extension matches only itself; a `_` pattern
 * matches character by character, with X = 0-9, Z = 1-9, N = 2-9, [..] a set or range, `.`
 * one or more of anything and `!` zero or more. When several match, Asterisk takes the most
 * specific: a literal beats any pattern, and patterns compare position by position, the one
 * whose position admits fewer characters first (N before X, a digit before both, `.` and `!`
 * last), ties broken by the lowest character the position admits.
 */

interface Position {
  /** How many characters this position admits (more is less specific); `.`/`!` are huge. */
  breadth: number;
  /** The lowest character it admits, for ties. */
  lowest: number;
}

export interface CompiledPattern {
  readonly text: string;
  readonly literal: boolean;
  readonly positions: readonly Position[];
  matches(dialled: string): boolean;
}

const ONE_OR_MORE = 1_000_000;
const ZERO_OR_MORE = 2_000_000;

function classOf(chars: string): Position {
  return { breadth: chars.length, lowest: chars.charCodeAt(0) };
}

/** Compiles `_NXX.` or `100`; throws on a malformed set. */
export function compilePattern(text: string): CompiledPattern {
  if (!text.startsWith('_')) {
    return { text, literal: true, positions: [...text].map((c) => ({ breadth: 1, lowest: c.charCodeAt(0) })), matches: (d) => d === text };
  }
  const positions: Position[] = [];
  let source = '^';
  const body = text.slice(1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    switch (c.toUpperCase()) {
      case 'X':
        positions.push(classOf('0123456789'));
        source += '[0-9]';
        break;
      case 'Z':
        positions.push(classOf('123456789'));
        source += '[1-9]';
        break;
      case 'N':
        positions.push(classOf('23456789'));
        source += '[2-9]';
        break;
      case '.':
        positions.push({ breadth: ONE_OR_MORE, lowest: 0 });
        source += '.+';
        break;
      case '!':
        positions.push({ breadth: ZERO_OR_MORE, lowest: 0 });
        source += '.*';
        break;
      case '[': {
        const end = body.indexOf(']', i);
        if (end < 0) throw new Error(`pattern ${text}: "[" without "]"`);
        const chars = expandSet(body.slice(i + 1, end), text);
        positions.push(classOf(chars));
        source += `[${chars.replace(/[\]\\^-]/g, '\\$&')}]`;
        i = end;
        break;
      }
      default:
        positions.push({ breadth: 1, lowest: c.charCodeAt(0) });
        source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  const regex = new RegExp(`${source}$`);
  return { text, literal: false, positions, matches: (d) => regex.test(d) };
}

function expandSet(inner: string, pattern: string): string {
  let chars = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] ?? '';
    if (inner[i + 1] === '-' && i + 2 < inner.length) {
      const from = c.charCodeAt(0);
      const to = inner.charCodeAt(i + 2);
      if (to < from) throw new Error(`pattern ${pattern}: range ${c}-${inner[i + 2] ?? ''} runs backwards`);
      for (let code = from; code <= to; code++) chars += String.fromCharCode(code);
      i += 2;
    } else chars += c;
  }
  if (chars === '') throw new Error(`pattern ${pattern}: an empty [] set`);
  return [...new Set(chars)].sort().join('');
}

/** Negative when `a` is more specific than `b` (Asterisk's order of preference). */
export function comparePatterns(a: CompiledPattern, b: CompiledPattern): number {
  if (a.literal !== b.literal) return a.literal ? -1 : 1;
  const n = Math.min(a.positions.length, b.positions.length);
  for (let i = 0; i < n; i++) {
    const pa = a.positions[i] as Position;
    const pb = b.positions[i] as Position;
    if (pa.breadth !== pb.breadth) return pa.breadth - pb.breadth;
    if (pa.lowest !== pb.lowest) return pa.lowest - pb.lowest;
  }
  return a.positions.length - b.positions.length;
}

/** The most specific of `candidates` that matches `dialled`, or undefined. */
export function bestMatch<T extends { pattern: CompiledPattern }>(candidates: readonly T[], dialled: string): T | undefined {
  let best: T | undefined;
  for (const candidate of candidates) {
    if (!candidate.pattern.matches(dialled)) continue;
    if (best === undefined || comparePatterns(candidate.pattern, best.pattern) < 0) best = candidate;
  }
  return best;
}
