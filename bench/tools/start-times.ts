/**
 * Cold start and first-run latency, source (tsx, as `npm start`) against the compiled build
 * (`node dist/main.js`; run `npm run build` first). Each trial is a fresh process on an
 * already-migrated database (so the figure is the service's own start, not migrations):
 * spawn → "ready" log line, then the first run of the clean example, startProcessing →
 * COMPLETED (its EXTRACT and CLASSIFY worker threads start cold). Modes alternate.
 *   npx tsx bench/tools/start-times.ts [trials=5]
 */
import { median, round } from '../lib/stats.js';
import { account, createDatabase, startService, timedRun } from './ops-client.js';

const trials = Number(process.argv[2] ?? 5);
const database = await createDatabase();
try {
  const warm = await startService('dist', { DATABASE_URL: database.url });
  await warm.stop(); // applies the migrations once
  const results: Record<'tsx' | 'dist', { ready: number[]; firstRun: number[] }> = { tsx: { ready: [], firstRun: [] }, dist: { ready: [], firstRun: [] } };
  for (let i = 0; i < trials; i++) {
    for (const mode of i % 2 === 0 ? (['tsx', 'dist'] as const) : (['dist', 'tsx'] as const)) {
      const service = await startService(mode, { DATABASE_URL: database.url });
      const token = await account(service.base);
      const firstRun = await timedRun(service.base, token);
      await service.stop();
      results[mode].ready.push(service.readyMs);
      results[mode].firstRun.push(firstRun);
      console.log(`${mode}: ready ${round(service.readyMs, 0)} ms, first run ${round(firstRun, 0)} ms`);
    }
  }
  console.log('\nmode | ready (median, min–max) | first run (median, min–max)');
  for (const mode of ['tsx', 'dist'] as const) {
    const r = results[mode];
    const fmt = (v: number[]) => `${round(median(v), 0)} ms (${round(Math.min(...v), 0)}–${round(Math.max(...v), 0)})`;
    console.log(`${mode} | ${fmt(r.ready)} | ${fmt(r.firstRun)}`);
  }
} finally {
  await database.drop();
}
