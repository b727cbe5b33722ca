import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { seedProjects } from '../lib/database.js';
import { freshServer, quiesce, type Scenario } from '../lib/context.js';
import { signUp } from '../lib/graphql.js';
import { forkScript } from '../lib/processes.js';
import { figure } from '../lib/results.js';
import { SubscriberPool } from '../lib/subscriber-pool.js';

interface Mem {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/**
 * 4. memory: the server's RSS and heap (after a full GC) with 0 and with N connected,
 * subscribed, idle clients (10 per project), on a fresh server whose code paths were warmed
 * by a few subscribers first. Baseline: the raw `ws` server with the same clients.
 */
export const memoryScenario: Scenario = async (ctx) => {
  const c = ctx.counts.memory;
  const server = await freshServer(ctx, 'memory');
  const baseline = forkScript('ws-broadcast', 'baselines/ws-broadcast.ts', { execArgv: ['--expose-gc'] });
  const pool = new SubscriberPool(c.processes);
  /** With --heap-snapshots, the service's heap as bench/.out/memory-<when>.heapsnapshot. */
  const heapSnapshot = (when: string) =>
    ctx.heapSnapshots ? server.proc.peer.request('heap:snapshot', { file: path.join(ctx.outDir, `memory-${when}.heapsnapshot`) }, 600_000) : null;
  try {
    if (ctx.heapSnapshots) ctx.log('  ! heap snapshots inflate RSS: this run\'s memory figures are not valid');
    const baselineUrl = await baseline.peer.request<string>('listen');
    const account = await signUp(server.url, 'Bench memory');
    const projects = await seedProjects(ctx.db, account.firmId, Math.ceil(c.subscribers / 10), 'memory');
    const topics = Array.from({ length: c.subscribers }, (_, i) => projects[Math.floor(i / 10)]!);
    const result: Record<string, { idle: Mem; subscribed: Mem; held: number; listeners: number; connectMs: number }> = {};
    for (const target of ['baseline', 'service'] as const) {
      const url = target === 'baseline' ? baselineUrl : server.wsUrl;
      const peer = target === 'baseline' ? baseline.peer : server.proc.peer;
      const raw = target === 'baseline';
      await pool.connect({ url, raw, token: account.token, topics: topics.slice(0, 40) });
      await pool.close();
      await sleep(500);
      const idle = await peer.request<Mem>('mem');
      const snapshot = (when: string) => (target === 'service' ? heapSnapshot(when) : null);
      await snapshot('0');
      ctx.log(`  ${target}: connecting ${c.subscribers} idle subscribers`);
      const conn = await pool.connect({ url, raw, token: account.token, topics });
      if (conn.failed) ctx.log(`  ! ${conn.failed} subscribers failed to connect: ${conn.firstError}`);
      await sleep(2000);
      const subscribed = await peer.request<Mem>('mem');
      await snapshot(String(c.subscribers));
      const held = await pool.open();
      const listeners = await peer.request<number>('listeners', { projectIds: projects });
      await pool.close();
      result[target] = { idle, subscribed, held, listeners, connectMs: conn.ms };
      ctx.log(`    RSS ${mb(idle.rss)} → ${mb(subscribed.rss)} MB, heap ${mb(idle.heapUsed)} → ${mb(subscribed.heapUsed)} MB, held ${held}`);
    }
    // The service once more with connections only (connection_init, no subscription): splits
    // the cost per subscriber into the connection's and the subscription's.
    ctx.log(`  service: connecting ${c.subscribers} idle connections without a subscription`);
    const bare0 = await server.proc.peer.request<Mem>('mem');
    await heapSnapshot('bare-0');
    const bareConn = await pool.connect({ url: server.wsUrl, raw: false, token: account.token, topics, subscribe: false });
    await sleep(2000);
    const bare1 = await server.proc.peer.request<Mem>('mem');
    await heapSnapshot(`bare-${bareConn.connected}`);
    await pool.close();
    const perConnection = (k: keyof Mem) => (bare1[k] - bare0[k]) / Math.max(1, bareConn.connected) / 1024;
    ctx.log(`    RSS ${mb(bare0.rss)} → ${mb(bare1.rss)} MB, heap ${mb(bare0.heapUsed)} → ${mb(bare1.heapUsed)} MB`);
    const svc = result.service!;
    const base = result.baseline!;
    const per = (r: typeof svc, k: keyof Mem) => (r.subscribed[k] - r.idle[k]) / c.subscribers / 1024;
    ctx.details.memory = { subscribers: c.subscribers, ...result, serviceConnectionsOnly: { idle: bare0, connected: bare1, connections: bareConn.connected } };
    const n = c.subscribers.toLocaleString('en-US');
    return [
      figure('memory: RSS per subscription', per(svc, 'rss'), 'KB', per(base, 'rss'), { on: 'value', op: '<=', limit: 12 }),
      figure('memory: heap per subscription', per(svc, 'heapUsed'), 'KB', per(base, 'heapUsed')),
      figure('memory: heap per connection without a subscription', perConnection('heapUsed'), 'KB', per(base, 'heapUsed'), { on: 'value', op: '<=', limit: 4 }),
      figure('memory: RSS, 0 subscribers', svc.idle.rss / 2 ** 20, 'MB', base.idle.rss / 2 ** 20, { on: 'value', op: '<=', limit: 160 }),
      figure(`memory: RSS, ${n} subscribers`, svc.subscribed.rss / 2 ** 20, 'MB', base.subscribed.rss / 2 ** 20),
      figure('memory: heap, 0 subscribers', svc.idle.heapUsed / 2 ** 20, 'MB', base.idle.heapUsed / 2 ** 20),
      figure(`memory: heap, ${n} subscribers`, svc.subscribed.heapUsed / 2 ** 20, 'MB', base.subscribed.heapUsed / 2 ** 20),
    ];
  } finally {
    await pool.stop();
    await baseline.stop();
    await quiesce(ctx, server);
  }
};

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
