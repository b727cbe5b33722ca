/**
 * What a Prometheus scrape costs the compiled service, and whether scraping slows the API:
 *  1. 300 sequential scrapes of /metrics: latency and size (the queue reading is cached 5 s,
 *     so at most one light query per 5 s whatever the scrape rate).
 *  2. API latency (`{ me { id } }`, 8 clients in a closed loop, 8 s per window) without
 *     scraping and while scraping every 100 ms (150× a usual 15 s interval), windows alternated.
 *   npm run build && npx tsx bench/tools/scrape-cost.ts
 */
import { round, summarize } from '../lib/stats.js';
import { account, createDatabase, startService } from './ops-client.js';

const database = await createDatabase();
const service = await startService('dist', { DATABASE_URL: database.url });
try {
  const token = await account(service.base);
  const scrapeMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 300; i++) {
    const began = performance.now();
    const body = await (await fetch(`${service.base}/metrics`)).text();
    scrapeMs.push(performance.now() - began);
    bytes = body.length;
  }
  const s = summarize(scrapeMs.slice(20)); // the first few warm up the JIT
  console.log(`scrape: p50 ${round(s.p50)} ms, p99 ${round(s.p99)} ms, max ${round(s.max)} ms, ${bytes} bytes`);

  const window = async (scraping: boolean) => {
    const stopAt = performance.now() + 8000;
    const latencies: number[] = [];
    let scrapes = 0;
    const scraper = (async () => {
      while (scraping && performance.now() < stopAt) {
        await (await fetch(`${service.base}/metrics`)).text();
        scrapes += 1;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < stopAt) {
          const began = performance.now();
          const res = await fetch(`${service.base}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: '{"query":"{ me { id } }"}',
          });
          await res.text();
          latencies.push(performance.now() - began);
        }
      }),
    );
    await scraper;
    return { ...summarize(latencies), scrapes };
  };
  for (const scraping of [false, true, false, true]) {
    const r = await window(scraping);
    console.log(`${scraping ? 'scraping every 100 ms' : 'no scraping          '}: ${r.count} requests, p50 ${round(r.p50)} ms, p99 ${round(r.p99)} ms${scraping ? ` (${r.scrapes} scrapes)` : ''}`);
  }
} finally {
  await service.stop();
  await database.drop();
}
