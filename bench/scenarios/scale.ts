import { randomBytes } from 'node:crypto';
import { startPrivateRedis } from '../../test/helpers/private-redis.js';
import { seedProjects } from '../lib/database.js';
import { baseOf, freshServer, quiesce, settle, type Scenario } from '../lib/context.js';
import { START, STATUS, gqlOk, signUp } from '../lib/graphql.js';
import { ProtocolSocket, type NextPayload } from '../lib/gql-ws.js';
import { forkScript } from '../lib/processes.js';
import { figure } from '../lib/results.js';
import { nowMs, type Summary } from '../lib/stats.js';

interface FirstEventResult {
  firstEvent: Summary;
  response: Summary;
  errors: number;
  firstError: string | null;
}

interface Seen {
  sequence: number;
  status: string;
}

/**
 * 7. scale: two service processes sharing PostgreSQL and a Redis of the bench's own.
 * - start → first PROCESSING event at a subscriber on the SAME process vs on ANOTHER process
 *   (the event crosses Redis), 1 client, fresh projects (the first-event client of scenario 2);
 * - stored-event delivery through a Redis restart: a subscriber on process B follows N projects,
 *   Redis is killed, N runs are started on process A (they end at once: no documents), Redis
 *   comes back after `outageMs`; counted: stored events the subscriber never received (must be
 *   0), duplicates, and the time from Redis being back to the last final status arriving.
 */
export const scaleScenario: Scenario = async (ctx) => {
  const c = ctx.counts.scale;
  const redis = await startPrivateRedis();
  const env = {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `cma-bench-${randomBytes(4).toString('hex')}:`,
    JWT_SECRET: randomBytes(32).toString('hex'),
  };
  const a = await freshServer(ctx, 'scale-a', env);
  const b = await freshServer(ctx, 'scale-b', env);
  const client = forkScript('first-event', 'load/first-event.ts');
  try {
    const account = await signUp(a.url, 'Bench scale');
    const n = c.count + c.warmup;
    const measure = async (label: string, wsUrl: string) => {
      const projectIds = await seedProjects(ctx.db, account.firmId, n, `scale ${label}`);
      const r = await client.peer.request<FirstEventResult>('run', {
        mode: 'server', httpBase: baseOf(a.url), wsUrl, token: account.token, firmId: account.firmId, projectIds, warmup: c.warmup,
      }, 600_000);
      if (r.errors > 0) ctx.log(`  ! ${label}: ${r.errors} errors, first: ${r.firstError}`);
      await settle(ctx, a);
      return r;
    };
    ctx.log(`  first event: ${c.count} starts after ${c.warmup} warm-up, subscriber on the same process, then on the other`);
    const same = await measure('same process', a.wsUrl);
    const other = await measure('other process', b.wsUrl);

    ctx.log(`  Redis restart: ${c.outageProjects} runs started on A while Redis is down ${c.outageMs} ms, followed from B`);
    const outage = await throughRestart(ctx, { a: a.url, b: b.wsUrl, token: account.token, firmId: account.firmId, projects: c.outageProjects, outageMs: c.outageMs, redis });
    ctx.log(`  stored ${outage.stored}, lost ${outage.lost}, duplicates ${outage.duplicates}, last final ${outage.recoveryMs} ms after Redis was back`);
    ctx.details.scale = { same, other, outage };
    return [
      figure('scale: start → first event, subscriber on the same process p50', same.firstEvent.p50, 'ms'),
      figure('scale: start → first event, subscriber on another process (Redis) p50', other.firstEvent.p50, 'ms', same.firstEvent.p50),
      figure('scale: start → first event, subscriber on another process (Redis) p99', other.firstEvent.p99, 'ms', same.firstEvent.p99),
      figure('scale: stored events lost through a Redis restart', outage.lost, 'events', null, { on: 'value', op: '<=', limit: 0 }),
      figure('scale: duplicates through a Redis restart', outage.duplicates, 'events', null, { on: 'value', op: '<=', limit: 0 }),
      figure('scale: Redis back → last final status at the subscriber', outage.recoveryMs, 'ms'),
    ];
  } finally {
    await client.stop();
    await quiesce(ctx, b);
    await quiesce(ctx, a);
    await redis.kill();
  }
};

async function throughRestart(
  ctx: Parameters<Scenario>[0],
  args: { a: string; b: string; token: string; firmId: string; projects: number; outageMs: number; redis: Awaited<ReturnType<typeof startPrivateRedis>> },
) {
  const projectIds = await seedProjects(ctx.db, args.firmId, args.projects, 'scale outage');
  const socket = await ProtocolSocket.connect(args.b, { token: args.token });
  const seen = new Map<string, Seen[]>(projectIds.map((id) => [id, []]));
  const finals = new Set<string>();
  let allFinal!: () => void;
  const done = new Promise<void>((resolve) => (allFinal = resolve));
  let lastFinalAt = 0;
  for (const [i, projectId] of projectIds.entries()) {
    await socket.subscribe(String(i + 1), STATUS, { projectId }, (payload: NextPayload, at: number) => {
      const e = (payload.data as { projectStatus?: Seen } | null)?.projectStatus;
      if (!e) return;
      seen.get(projectId)!.push({ sequence: e.sequence, status: e.status });
      if (['ERROR', 'COMPLETED', 'CANCELLED', 'REVIEWING'].includes(e.status) && !finals.has(projectId)) {
        finals.add(projectId);
        lastFinalAt = at;
        if (finals.size === projectIds.length) allFinal();
      }
    });
  }
  await args.redis.kill();
  const downAt = performance.now();
  for (const projectId of projectIds) await gqlOk(args.a, START, { projectId }, args.token);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, args.outageMs - (performance.now() - downAt))));
  await args.redis.start();
  const backAt = nowMs();
  const timedOut = await Promise.race([done.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 60_000))]);
  await socket.close();
  if (timedOut) ctx.log(`  ! only ${finals.size} of ${projectIds.length} final statuses within 60 s of Redis being back`);

  const { rows } = await ctx.db.query<{ projectId: string; sequence: number }>(
    `select project_id as "projectId", sequence from project_status_events where project_id = any($1::uuid[]) and run_id is not null`,
    [projectIds],
  );
  let lost = 0;
  let duplicates = 0;
  for (const [projectId, events] of seen) {
    const received = events.map((e) => e.sequence);
    duplicates += received.length - new Set(received).size;
    for (const row of rows) if (row.projectId === projectId && !received.includes(row.sequence)) lost += 1;
  }
  return { stored: rows.length, lost, duplicates, recoveryMs: timedOut ? null : Math.max(0, Math.round(lastFinalAt - backAt)), timedOut };
}
