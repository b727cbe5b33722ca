import { describe, expect, it } from 'vitest';
import { crossScenarioFigures, figure } from '../../bench/lib/results.js';

describe('bench figures', () => {
  it('judge a ratio goal on value ÷ baseline, and a value goal on the value', () => {
    expect(figure('a', 3, 'ms', 2, { on: 'ratio', op: '<=', limit: 1.5 })).toMatchObject({ ratio: 1.5, met: true, goal: 'ratio ≤ 1.5' });
    expect(figure('a', 3.1, 'ms', 2, { on: 'ratio', op: '<=', limit: 1.5 }).met).toBe(false);
    expect(figure('b', 170, 'MB', 80, { on: 'value', op: '<=', limit: 160 })).toMatchObject({ met: false, goal: '≤ 160 MB' });
  });

  it("compare busy's wall time with N single runs shared by the cores, scaled to busy's rows", () => {
    const [f] = crossScenarioFigures({ busy: { rows: 150_000, pipelineCount: 4, wallMs: 26_000 }, pipeline: { rows: 150_000, serviceMedianMs: 10_000 } }, 2);
    expect(f).toMatchObject({ value: 26, baseline: 20, ratio: 1.3, met: true });
    const [half] = crossScenarioFigures({ busy: { rows: 1_000, pipelineCount: 4, wallMs: 1_000 }, pipeline: { rows: 2_000, serviceMedianMs: 1_000 } }, 2);
    expect(half?.baseline).toBe(1);
  });

  it('add, as evidence, the floor set by the CPU a single run uses when both shares were measured', () => {
    const figures = crossScenarioFigures(
      { busy: { rows: 150_000, pipelineCount: 4, wallMs: 26_000, busy: { machineCpuShare: 0.9 } }, pipeline: { rows: 150_000, serviceMedianMs: 6_000, machineCpuShare: 0.75 } },
      2,
    );
    expect(figures[1]).toMatchObject({ value: 26, baseline: 20, goal: null, met: null });
  });

  it('give nothing when either scenario did not run or had no completed run', () => {
    expect(crossScenarioFigures({ busy: { rows: 1, pipelineCount: 4, wallMs: 1 } }, 2)).toEqual([]);
    expect(crossScenarioFigures({ busy: { rows: 1, pipelineCount: 4, wallMs: 1 }, pipeline: { rows: 1, serviceMedianMs: Number.NaN } }, 2)).toEqual([]);
  });
});
