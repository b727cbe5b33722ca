/** How much each scenario does, per mode. Full is the run the README's table comes from. */
export interface Counts {
  start: { serial: number; serialWarmup: number; concurrency: number; durationMs: number; warmupMs: number; slices: number };
  firstEvent: { count: number; warmup: number };
  fanOut: { sizes: number[]; rounds: number; warmupRounds: number; processes: number; pacedMs: number };
  memory: { subscribers: number; processes: number };
  busy: { rows: number; pipelines: number; idleMs: number; proberIntervalMs: number };
  pipeline: { rows: number; trials: number };
  scale: { count: number; warmup: number; outageProjects: number; outageMs: number };
  workbook: { years: number; runs: number };
}

export type Mode = 'full' | 'quick' | 'smoke';

const quick: Counts = {
  start: { serial: 300, serialWarmup: 50, concurrency: 50, durationMs: 4000, warmupMs: 1000, slices: 2 },
  firstEvent: { count: 60, warmup: 10 },
  fanOut: { sizes: [1000], rounds: 10, warmupRounds: 2, processes: 2, pacedMs: 2000 },
  memory: { subscribers: 1000, processes: 2 },
  busy: { rows: 20_000, pipelines: 4, idleMs: 4000, proberIntervalMs: 20 },
  pipeline: { rows: 20_000, trials: 1 },
  scale: { count: 60, warmup: 10, outageProjects: 20, outageMs: 3000 },
  workbook: { years: 20, runs: 10 },
};

export const MODES: Record<Mode, Counts> = {
  full: {
    start: { serial: 2000, serialWarmup: 200, concurrency: 50, durationMs: 12_000, warmupMs: 2000, slices: 4 },
    firstEvent: { count: 300, warmup: 30 },
    fanOut: { sizes: [1000, 10_000], rounds: 20, warmupRounds: 3, processes: 4, pacedMs: 6000 },
    memory: { subscribers: 10_000, processes: 4 },
    busy: { rows: 150_000, pipelines: 4, idleMs: 10_000, proberIntervalMs: 20 },
    pipeline: { rows: 150_000, trials: 3 },
    scale: { count: 300, warmup: 30, outageProjects: 50, outageMs: 3000 },
    workbook: { years: 20, runs: 50 },
  },
  quick,
  // CI's smoke run of the harness: scenario 1 with tiny counts.
  smoke: { ...quick, start: { serial: 50, serialWarmup: 10, concurrency: 50, durationMs: 1000, warmupMs: 300, slices: 1 } },
};

export const SCENARIOS = ['start', 'first-event', 'fan-out', 'memory', 'busy', 'pipeline', 'scale', 'workbook'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
