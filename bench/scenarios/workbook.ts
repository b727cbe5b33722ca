import { Writable } from 'node:stream';
import { addFine, computeForms } from '../../src/services/cma/forms/index.js';
import { HEAD_TABLE, type HeadCode } from '../../src/services/cma/heads.js';
import { writeWorkbook } from '../../src/services/report/workbook.js';
import type { Scenario } from '../lib/context.js';
import { figure } from '../lib/results.js';

/**
 * 7. workbook: a 20-year report (every finer head used every year, balance sheets tallying),
 * its Forms II–VI and ratios computed, then its workbook written by the streaming writer into a
 * byte-counting sink: the CPU work of GENERATE's forms and of one download, in process. Goal:
 * well under a second for both together; the median and p95 of `runs` are reported.
 */
export const workbookScenario: Scenario = async (ctx) => {
  const { years, runs } = ctx.counts.workbook;
  const totals = new Map<number, Map<HeadCode, bigint>>();
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let y = 0; y < years; y++) {
    const year = 2025 - years + y;
    let difference = 0n;
    for (const head of HEAD_TABLE) {
      const paise = BigInt(Math.floor(rand() * 5e11));
      addFine(totals, year, head.code, paise);
      if (head.side === 'ASSET') difference += paise;
      if (head.side === 'LIABILITY') difference -= paise;
    }
    addFine(totals, year, 'SURPLUS', difference);
  }
  const forms = computeForms(totals);
  const computeMs: number[] = [];
  const writeMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs + 3; i++) {
    const t0 = performance.now();
    const computed = computeForms(totals);
    const t1 = performance.now();
    bytes = 0;
    const sink = new Writable({ write(chunk: Buffer, _e, done) { bytes += chunk.length; done(); } });
    await writeWorkbook(sink, {
      borrower: 'Bench Borrower', projectName: 'Bench', firmName: 'Bench Firm', generatedAt: new Date(),
      forms: computed.forms, ratios: computed.ratios,
    });
    const t2 = performance.now();
    if (i >= 3) { computeMs.push(t1 - t0); writeMs.push(t2 - t1); }
  }
  const pct = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? null;
  const total = computeMs.map((c, i) => c + (writeMs[i] ?? 0));
  ctx.details.workbook = { years, runs, bytes, rows: forms.forms.reduce((n, f) => n + f.rows.length, 0), computeMs, writeMs };
  ctx.log(`  ${years} years: forms ${pct(computeMs, 0.5)?.toFixed(1)} ms, workbook ${pct(writeMs, 0.5)?.toFixed(1)} ms (${bytes} bytes)`);
  return [
    figure(`workbook: ${years}-year forms computed, median`, pct(computeMs, 0.5), 'ms'),
    figure(`workbook: ${years}-year workbook written, median`, pct(writeMs, 0.5), 'ms'),
    figure(`workbook: ${years}-year forms + workbook, p95`, pct(total, 0.95), 'ms', null, { on: 'value', op: '<=', limit: 500 }),
  ];
};
