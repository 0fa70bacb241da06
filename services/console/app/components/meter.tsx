/** "3 of 100" with a bar: usage against a limit. */
export function Meter({ used, limit, label }: { used: number | null; limit: number; label: string }) {
  if (used === null) return <span class="muted" title="No worker answered">? of {limit}</span>;
  const share = limit === 0 ? 1 : Math.min(1, used / limit);
  return (
    <span class="meter">
      <span class="meter-bar" role="presentation"><span class={share >= 0.9 ? 'high' : undefined} style={{ width: `${Math.round(share * 100)}%` }} /></span>
      <span aria-label={`${used} of ${limit} ${label}`}>{used} / {limit}</span>
    </span>
  );
}
