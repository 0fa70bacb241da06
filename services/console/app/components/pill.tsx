/** A status word in a coloured pill; the colour repeats the word and never replaces it. */
export type Tone = 'ok' | 'warn' | 'bad' | 'idle';

export function Pill({ tone, children }: { tone: Tone; children: string }) {
  return <span class={`pill ${tone}`}>{children}</span>;
}

const QUALIFY_TONE: Record<string, Tone> = { OK: 'ok', LAGGED: 'warn', UNREACHABLE: 'bad', UNKNOWN: 'idle' };
export const qualifyTone = (status: string): Tone => QUALIFY_TONE[status] ?? 'idle';

const DISPOSITION_TONE: Record<string, Tone> = { ANSWERED: 'ok', BUSY: 'warn', 'NO ANSWER': 'warn', FAILED: 'bad', CONGESTION: 'bad' };
export const dispositionTone = (disposition: string | undefined): Tone => (disposition === undefined ? 'idle' : DISPOSITION_TONE[disposition] ?? 'idle');
