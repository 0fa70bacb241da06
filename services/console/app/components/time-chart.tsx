/**
 * A time-series chart drawn by uPlot on a canvas, as wide as its container (redrawn when that
 * changes). uPlot knows nothing of Preact: the chart is made once per data and options, and
 * destroyed with the component. The legend is ours (plain text), and the data are also given
 * as a text summary for screen readers.
 */
import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';

/** uPlot is most of the console's weight and only the Activity view draws with it: loaded when first needed. */
let loading: Promise<typeof uPlot> | undefined;
const loadUPlot = (): Promise<typeof uPlot> => (loading ??= import('uplot').then((module) => module.default));

export interface ChartSeries {
  label: string;
  colour: string;
  values: Array<number | null>;
  kind: 'bars' | 'line';
  /** Which y scale: 'y' (left) or 'y2' (right, for a second unit). */
  scale?: 'y' | 'y2';
}

export interface TimeChartProps {
  /** Epoch ms of each point (the start of its bucket). */
  times: number[];
  /** The buckets' width in ms: bars sit in their bucket, and the first and last are not cut in half. */
  stepMs: number;
  series: ChartSeries[];
  height?: number;
  yLabel: string;
  y2Label?: string;
  /** The left axis counts things (ticks on whole numbers). */
  wholeNumbers?: boolean;
  summary: string;
}

/** Room above the highest value, on a round number, so the top point or bar is never on the edge. */
const headroom = (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => {
  const top = Math.max(1, max * 1.15);
  const unit = 10 ** Math.floor(Math.log10(top));
  return [0, Math.ceil(top / unit) * unit];
};
/** Counts are whole: ticks of 1, 2, 5, 10, ... never 0.2 of a call. */
const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

export function TimeChart({ times, stepMs, series, height = 240, yLabel, y2Label, wholeNumbers = false, summary }: TimeChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (element === null) return;
    let chart: uPlot | undefined;
    let resized: ResizeObserver | undefined;
    let gone = false;
    void loadUPlot().then((UPlot) => {
      if (gone) return;
      chart = draw(UPlot, element);
      resized = new ResizeObserver(() => chart?.setSize({ width: Math.max(280, element.clientWidth), height }));
      resized.observe(element);
    });
    return () => {
      gone = true;
      resized?.disconnect();
      chart?.destroy();
    };
  }, [times, stepMs, series, height, yLabel, y2Label, wholeNumbers]);

  function draw(UPlot: typeof uPlot, element: HTMLElement): uPlot {
    const bars = UPlot.paths.bars?.({ size: [0.7, 48] });
    const opts: uPlot.Options = {
      width: Math.max(280, element.clientWidth),
      height,
      ms: 1,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: (_u, min, max) => [min - stepMs / 2, max + stepMs / 2] },
        y: { range: headroom },
        ...(y2Label === undefined ? {} : { y2: { range: headroom } }),
      },
      axes: [
        { stroke: '#5b6878', grid: { stroke: '#edf1f5' }, ticks: { stroke: '#d9e0e8' } },
        { label: yLabel, stroke: '#5b6878', grid: { stroke: '#edf1f5' }, ticks: { stroke: '#d9e0e8' }, size: 56, ...(wholeNumbers ? { incrs: WHOLE_STEPS } : {}) },
        ...(y2Label === undefined ? [] : [{ label: y2Label, scale: 'y2', side: 1 as const, stroke: '#5b6878', grid: { show: false }, size: 56 }]),
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.colour,
          width: s.kind === 'line' ? 2 : 0,
          scale: s.scale ?? 'y',
          spanGaps: true,
          points: { show: s.kind === 'line', size: 5 },
          ...(s.kind === 'bars' ? { fill: `${s.colour}cc`, ...(bars === undefined ? {} : { paths: bars }) } : {}),
        })),
      ],
    };
    return new UPlot(opts, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, element);
  }
  return (
    <figure class="chart-figure">
      <div class="chart" ref={holder} role="img" aria-label={summary} />
      <figcaption class="chart-legend">
        {series.map((s) => <span key={s.label} style={{ '--swatch': s.colour }}>{s.label}</span>)}
      </figcaption>
    </figure>
  );
}
