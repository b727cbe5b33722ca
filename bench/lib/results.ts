import { writeFile } from 'node:fs/promises';

/** One figure of the report, as written to results.json. */
export interface Figure {
  name: string;
  value: number | null;
  unit: string;
  /** The same-run baseline in the same unit, when the figure has one. */
  baseline: number | null;
  /** value / baseline. */
  ratio: number | null;
  /** Human-readable goal, e.g. `≤ 2 ms` or `ratio ≥ 0.5`; null for a figure given as evidence only. */
  goal: string | null;
  met: boolean | null;
}

export interface GoalSpec {
  /** What the goal is on: the value itself or value / baseline. */
  on: 'value' | 'ratio';
  op: '<=' | '>=';
  limit: number;
}

const clean = (v: number | null | undefined, digits: number) =>
  v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(digits));

export function figure(name: string, value: number | null, unit: string, baseline: number | null = null, goal?: GoalSpec): Figure {
  const ratio = value !== null && baseline !== null && baseline !== 0 ? value / baseline : null;
  let met: boolean | null = null;
  let goalText: string | null = null;
  if (goal) {
    const subject = goal.on === 'value' ? value : ratio;
    goalText = `${goal.on === 'ratio' ? 'ratio ' : ''}${goal.op === '<=' ? '≤' : '≥'} ${goal.limit}${goal.on === 'value' ? ` ${unit}` : ''}`;
    met = subject === null || !Number.isFinite(subject) ? false : goal.op === '<=' ? subject <= goal.limit : subject >= goal.limit;
  }
  return { name, value: clean(value, 3), unit, baseline: clean(baseline, 3), ratio: clean(ratio, 3), goal: goalText, met };
}

function fmt(v: number | null, unit = ''): string {
  if (v === null) return '—';
  const abs = Math.abs(v);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 1 : 2;
  return `${v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })}${unit ? ` ${unit}` : ''}`;
}

/** A Markdown table (readable on a terminal too). */
export function formatTable(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    fmt(f.value, f.unit),
    fmt(f.baseline, f.baseline === null ? '' : f.unit),
    f.ratio === null ? '—' : f.ratio.toFixed(2),
    f.goal ?? '—',
    f.met === null ? '' : f.met ? 'yes' : 'NO',
  ]);
  const header = ['figure', 'value', 'baseline', 'ratio', 'goal', 'met'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 || i === 4 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`, ...rows.map(line)].join('\n');
}

export async function writeResults(file: string, meta: Record<string, unknown>, figures: Figure[], details: Record<string, unknown>): Promise<void> {
  await writeFile(file, JSON.stringify({ meta, figures, details }, null, 2) + '\n');
}

/**
 * Figures that compare two scenarios of one run. The busy scenario's wall time against what
 * its pipelines would take if the CPU slots cost no throughput: N single runs (the pipeline
 * scenario's median, scaled to busy's row count) shared by the machine's cores.
 */
export function crossScenarioFigures(details: Record<string, unknown>, cores: number): Figure[] {
  const busy = details.busy as { rows: number; pipelineCount: number; wallMs: number; busy?: { machineCpuShare: number | null } } | undefined;
  const pipeline = details.pipeline as { rows: number; serviceMedianMs: number; machineCpuShare?: number | null } | undefined;
  if (!busy || !pipeline || !Number.isFinite(pipeline.serviceMedianMs)) return [];
  const single = pipeline.serviceMedianMs * (busy.rows / pipeline.rows);
  const ideal = (busy.pipelineCount * single) / Math.max(1, cores);
  const figures = [
    figure(`busy: wall time vs ${busy.pipelineCount} × the single run ÷ ${cores} cores`, busy.wallMs / 1000, 's', ideal / 1000, { on: 'ratio', op: '<=', limit: 1.3 }),
  ];
  // Evidence: the same comparison by CPU used. A single run keeps more than one core busy (its
  // worker, PostgreSQL's COPY, the main thread), so N runs cannot take N × single ÷ cores; at
  // busy's machine share their floor is N × single × the single run's share ÷ busy's share.
  const singleShare = pipeline.machineCpuShare ?? null;
  const busyShare = busy.busy?.machineCpuShare ?? null;
  if (singleShare && busyShare) {
    const floor = (busy.pipelineCount * single * singleShare) / busyShare;
    figures.push(figure(`busy: wall time vs the CPU ${busy.pipelineCount} single runs use`, busy.wallMs / 1000, 's', floor / 1000));
  }
  return figures;
}
