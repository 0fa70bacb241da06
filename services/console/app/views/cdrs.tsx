/**
 * CDRs by time range, a page at a time (the API's cursor; earlier pages are remembered for
 * Previous), with each answered call's quality a click away.
 */
import { useState } from 'preact/hooks';
import { apiPath } from '../api/client.ts';
import type { Cdr, CdrPageBody } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { dispositionTone, Pill } from '../components/pill.tsx';
import { QualityChart, type Leg } from '../components/quality-chart.tsx';
import { Empty, ErrorNotice, Loading } from '../components/states.tsx';
import { formatDateTime, formatDuration } from '../format.ts';
import { useSession } from '../session-context.ts';
import { useApi } from '../use-api.ts';
import { RangePicker, type Range } from './range-picker.tsx';

const PAGE_SIZE = 25;

function legsOf(cdr: Cdr): Leg[] {
  const legs: Leg[] = [];
  if (cdr.rrCaller !== undefined) legs.push({ label: 'Caller leg', colour: '#1d5bbf', figures: cdr.rrCaller });
  if (cdr.rrCallee !== undefined) legs.push({ label: 'Callee leg', colour: '#e07b00', figures: cdr.rrCallee });
  if (cdr.rrMesh !== undefined) legs.push({ label: 'Mesh leg', colour: '#6b7a8c', figures: cdr.rrMesh });
  return legs;
}

export function CdrsView({ tenant }: { tenant: string }) {
  const { api } = useSession();
  const [range, setRange] = useState<Range>(() => ({ from: Date.now() - 86_400_000, to: undefined }));
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [open, setOpen] = useState<string | undefined>();
  const cursor = cursors[cursors.length - 1];
  const page = useApi((signal) => api.get<CdrPageBody>(apiPath('tenants', tenant, 'cdrs'), { from: range.from, to: range.to ?? Date.now() + 60_000, limit: PAGE_SIZE, cursor }, signal), [tenant, range.from, range.to, cursor]);

  return (
    <Page title="Call detail records" intro="Every call that started in the range, oldest first.">
      <RangePicker value={range} onChange={(next) => { setRange(next); setCursors([undefined]); page.reload(); }} />
      {page.state === 'loading' ? <Loading what="CDRs" /> : null}
      {page.state === 'error' ? <ErrorNotice error={page.error} what="list the CDRs" onRetry={page.reload} /> : null}
      {page.state === 'ok' ? (
        <div class="card table-wrap">
          {page.data.items.length === 0 ? <Empty title="No calls in this range."><p>Pick a wider range; a CDR is kept for 90 days.</p></Empty> : (
            <table class="stack">
              <thead><tr><th>Started</th><th>From</th><th>To</th><th>Result</th><th class="num">Talk time</th><th>Channel</th><th><span class="visually-hidden">Quality</span></th></tr></thead>
              <tbody>
                {page.data.items.flatMap((cdr) => {
                  const legs = legsOf(cdr);
                  const shown = open === cdr.callId;
                  const row = (
                    <tr key={cdr.callId} data-call={cdr.callId}>
                      <td data-label="Started">{formatDateTime(cdr.start)}</td>
                      <td data-label="From">{cdr.src ?? '—'}{cdr.clid === undefined ? null : <span class="sub">{cdr.clid}</span>}</td>
                      <td data-label="To"><code>{cdr.dst}</code><span class="sub">{cdr.dcontext}</span></td>
                      <td data-label="Result"><Pill tone={dispositionTone(cdr.disposition)}>{cdr.disposition ?? 'IN PROGRESS'}</Pill>{cdr.hangupCause === undefined ? null : <span class="sub">cause {cdr.hangupCause}</span>}</td>
                      <td data-label="Talk time" class="num">{cdr.billsec === undefined ? '—' : formatDuration(cdr.billsec)}</td>
                      <td data-label="Channel"><code class="small">{cdr.channel}</code>{cdr.dstchannel === undefined ? null : <code class="sub">{cdr.dstchannel}</code>}</td>
                      <td class="row-actions">
                        {legs.length === 0 ? <span class="muted small">no figures</span> : (
                          <button type="button" class="secondary" aria-expanded={shown} aria-controls={`quality-${cdr.callId}`} onClick={() => setOpen(shown ? undefined : cdr.callId)}>{shown ? 'Hide quality' : 'Quality'}</button>
                        )}
                      </td>
                    </tr>
                  );
                  return shown ? [row, <tr key={`${cdr.callId}-q`} class="detail" id={`quality-${cdr.callId}`}><td colSpan={7}><QualityChart legs={legs} /></td></tr>] : [row];
                })}
              </tbody>
            </table>
          )}
          <div class="pager">
            <span class="muted small">Page {cursors.length}</span>
            <button type="button" class="secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>Previous</button>
            <button type="button" class="secondary" disabled={page.data.cursor === undefined} onClick={() => setCursors([...cursors, page.data.cursor])}>Next</button>
          </div>
        </div>
      ) : null}
    </Page>
  );
}
