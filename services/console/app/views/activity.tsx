/**
 * Calls and failures over time, and the mean call quality, from the tenant's CDRs (the API's
 * stats route sums them per bucket): the chart to look at first when a customer says "calls
 * are failing" or "the line is bad".
 */
import { useMemo, useState } from 'preact/hooks';
import { apiPath } from '../api/client.ts';
import type { Stats } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { Empty, ErrorNotice, Loading } from '../components/states.tsx';
import { TimeChart, type ChartSeries } from '../components/time-chart.tsx';
import { useSession } from '../session-context.ts';
import { useApi } from '../use-api.ts';

const SPANS = [
  { label: 'Last 6 hours', spanMs: 6 * 3_600_000, stepS: 600 },
  { label: 'Last 24 hours', spanMs: 86_400_000, stepS: 3600 },
  { label: 'Last 7 days', spanMs: 7 * 86_400_000, stepS: 6 * 3600 },
] as const;

export function ActivityView({ tenant }: { tenant: string }) {
  const { api } = useSession();
  const [span, setSpan] = useState(0);
  const chosen = SPANS[span] ?? SPANS[0];
  const stats = useApi((signal) => {
    const stepMs = chosen.stepS * 1000;
    // Buckets end on a step boundary after now, so the current one is included and stable.
    const to = Math.ceil(Date.now() / stepMs) * stepMs;
    return api.get<Stats>(apiPath('tenants', tenant, 'stats'), { from: to - chosen.spanMs, to, step: chosen.stepS }, signal);
  }, [tenant, span], 30_000);

  return (
    <Page title="Activity" intro="Calls and failures over time, and the quality the boxes' legs reported." actions={
      <div class="actions" role="group" aria-label="Time span">
        {SPANS.map((s, i) => <button key={s.label} type="button" class={i === span ? undefined : 'secondary'} aria-pressed={i === span} onClick={() => setSpan(i)}>{s.label}</button>)}
      </div>
    }>
      {stats.state === 'loading' ? <Loading what="activity" /> : null}
      {stats.state === 'error' ? <ErrorNotice error={stats.error} what="read the activity" onRetry={stats.reload} /> : null}
      {stats.state === 'ok' ? <ActivityCharts stats={stats.data} /> : null}
    </Page>
  );
}

function ActivityCharts({ stats }: { stats: Stats }) {
  const { totals, buckets } = stats;
  const times = useMemo(() => buckets.map((b) => b.start), [buckets]);
  const volume = useMemo<ChartSeries[]>(() => [
    { label: 'Calls', colour: '#1d5bbf', kind: 'bars', values: buckets.map((b) => b.calls) },
    { label: 'Failed or congested', colour: '#c0392b', kind: 'bars', values: buckets.map((b) => b.failed) },
  ], [buckets]);
  const quality = useMemo<ChartSeries[]>(() => [
    { label: 'Jitter (ms)', colour: '#1d5bbf', kind: 'line', values: buckets.map((b) => b.jitterMs) },
    { label: 'Delay (ms)', colour: '#e07b00', kind: 'line', values: buckets.map((b) => b.delayMs) },
    { label: 'Loss (%, right axis)', colour: '#c0392b', kind: 'line', scale: 'y2', values: buckets.map((b) => b.lossPercent) },
  ], [buckets]);
  const failedShare = totals.calls === 0 ? 0 : Math.round((totals.failed / totals.calls) * 100);
  return (
    <>
      <div class="stats" data-testid="activity-totals">
        <div class="stat"><div class="value">{totals.calls}</div><div class="label">calls</div></div>
        <div class="stat"><div class="value">{totals.answered}</div><div class="label">answered</div></div>
        <div class="stat"><div class="value">{totals.busy + totals.noAnswer}</div><div class="label">busy or not answered</div></div>
        <div class={`stat${totals.failed > 0 ? ' bad' : ''}`}><div class="value">{totals.failed}</div><div class="label">failed ({failedShare} %)</div></div>
        <div class="stat"><div class="value">{totals.inProgress}</div><div class="label">in progress</div></div>
      </div>
      {stats.truncated ? <p class="notice info">This range holds more calls than one answer reads: the figures cover the oldest 20,000.</p> : null}
      <section class="card" aria-labelledby="volume-title">
        <h2 id="volume-title">Calls and failures</h2>
        {totals.calls === 0 ? <Empty title="No calls in this span."><p>Calls appear here once your boxes call through the platform.</p></Empty> : (
          <TimeChart times={times} stepMs={stats.stepS * 1000} series={volume} yLabel="calls" wholeNumbers summary={`${totals.calls} calls, ${totals.failed} failed, in ${buckets.length} buckets of ${stats.stepS / 60} minutes`} />
        )}
      </section>
      <section class="card" aria-labelledby="quality-title">
        <h2 id="quality-title">Call quality</h2>
        {buckets.every((b) => b.qualityLegs === 0) ? <Empty title="No quality figures yet."><p>Answered calls report jitter, loss and delay when they end.</p></Empty> : (
          <TimeChart times={times} stepMs={stats.stepS * 1000} series={quality} yLabel="ms" y2Label="%" summary="Mean jitter, delay and loss of the calls' legs per bucket" />
        )}
      </section>
    </>
  );
}
