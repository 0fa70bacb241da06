/**
 * A call's quality as each leg's receiver reported it (the RR figures stored in the CDR):
 * jitter, loss and delay side by side for the caller's and the callee's leg (and the leg
 * between two workers, for a call through the mesh). One small bar chart per figure, each on
 * its own scale, drawn as SVG (crisp at any size, readable by screen readers), with the
 * figures in a table below.
 */
import type { RrFigures } from '../api/types.ts';

export interface Leg { label: string; colour: string; figures: RrFigures }

const METRICS = [
  { key: 'jitterMs', title: 'Jitter', unit: 'ms', floor: 20 },
  { key: 'lossPercent', title: 'Loss', unit: '%', floor: 5 },
  { key: 'delayMs', title: 'Delay', unit: 'ms', floor: 50 },
] as const;

const WIDTH = 260;
const BAR = 22;
const GAP = 10;
const LABEL = 78;

function MetricChart({ legs, metric }: { legs: Leg[]; metric: (typeof METRICS)[number] }) {
  const values = legs.map((leg) => leg.figures[metric.key]);
  const max = Math.max(metric.floor, ...values);
  const height = legs.length * (BAR + GAP) + 4;
  const barSpace = WIDTH - LABEL - 56;
  const summary = legs.map((leg, i) => `${leg.label} ${values[i]} ${metric.unit}`).join(', ');
  return (
    <figure>
      <figcaption>{metric.title} ({metric.unit})</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={`${metric.title}: ${summary}`}>
        {legs.map((leg, i) => {
          const y = 2 + i * (BAR + GAP);
          const w = Math.max(2, ((values[i] ?? 0) / max) * barSpace);
          return (
            <g key={leg.label}>
              <text x={0} y={y + BAR / 2 + 4}>{leg.label}</text>
              <rect x={LABEL} y={y} width={barSpace} height={BAR} rx={4} fill="#eef1f5" />
              <rect x={LABEL} y={y} width={w} height={BAR} rx={4} fill={leg.colour} />
              <text x={LABEL + w + 6} y={y + BAR / 2 + 4} font-weight="600">{values[i]} {metric.unit}</text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

export function QualityChart({ legs }: { legs: Leg[] }) {
  return (
    <div data-testid="quality-chart">
      <div class="quality">
        {METRICS.map((metric) => <MetricChart key={metric.key} legs={legs} metric={metric} />)}
      </div>
      <div class="table-wrap">
        <table class="small" aria-label="Receive figures per leg">
          <thead><tr><th>Leg</th><th class="num">Jitter</th><th class="num">Loss</th><th class="num">Delay</th><th class="num">Packets</th><th class="num">Lost</th><th class="num">Dropped</th><th class="num">Out of order</th></tr></thead>
          <tbody>
            {legs.map(({ label, figures: f }) => (
              <tr key={label}>
                <td>{label}</td><td class="num">{f.jitterMs} ms</td><td class="num">{f.lossPercent} %</td><td class="num">{f.delayMs} ms</td>
                <td class="num">{f.packets}</td><td class="num">{f.lostFrames}</td><td class="num">{f.dropped}</td><td class="num">{f.outOfOrder}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
