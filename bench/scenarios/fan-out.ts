import { seedProjects } from '../lib/database.js';
import { freshServer, profiled, quiesce, type Scenario } from '../lib/context.js';
import { signUp } from '../lib/graphql.js';
import { forkScript } from '../lib/processes.js';
import { figure, type Figure } from '../lib/results.js';
import { SubscriberPool } from '../lib/subscriber-pool.js';
import type { LoopReport } from './busy.js';

type Measured = Awaited<ReturnType<SubscriberPool['rounds']>> & {
  connect: Awaited<ReturnType<SubscriberPool['connect']>>;
  heldBefore: number;
  heldAfter: number;
  paced: Awaited<ReturnType<SubscriberPool['paced']>> & { perSecond: number; loop?: LoopReport };
};

/** Paced phase: this share of the baseline's delivered/s, offered to both sides alike. */
const PACED_SHARE = 0.25;

/**
 * Subscriptions held: sockets still open at the end, all of which received every round (a
 * round that did not reach every subscriber counts as none held). Client-side, so it does not
 * depend on how the server keeps its listeners (`heldBefore`/`heldAfter` are the server's
 * own count of pubsub listeners, in the details).
 */
const held = (r: Measured) => (r.timedOut || r.paced.received < r.paced.expected ? 0 : Math.min(r.connect.connected, r.open));

const LAYOUTS = {
  a: { label: 'a: 1 project', perTopic: (size: number) => size },
  b: { label: 'b: 10 per project', perTopic: () => 10 },
} as const;

/**
 * 3. fan-out: N graphql-ws subscribers (a) all on one project, (b) 10 per project; events
 * published into the service's own pubsub (see bench/preload/server-probe.ts), two ways:
 * - rounds (throughput): each round one event per project at once, the next round once every
 *   subscriber has the previous one; delivered/s and the latency of these bursts;
 * - paced (latency under load): one event at a time, round-robin over the projects, at a
 *   steady rate of 25% of what the baseline delivered in rounds, the same rate for both sides.
 * Baseline: a raw `ws` server broadcasting the same JSON to the same clients, same load.
 */
export const fanOutScenario: Scenario = async (ctx) => {
  const c = ctx.counts.fanOut;
  const server = await freshServer(ctx, 'fan-out');
  const baseline = forkScript('ws-broadcast', 'baselines/ws-broadcast.ts', { execArgv: ['--expose-gc'] });
  const pool = new SubscriberPool(c.processes);
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  try {
    const baselineUrl = await baseline.peer.request<string>('listen');
    const account = await signUp(server.url, 'Bench fan-out');
    for (const size of c.sizes) {
      for (const key of ['a', 'b'] as const) {
        const layout = LAYOUTS[key];
        const perTopic = layout.perTopic(size);
        const projects = await seedProjects(ctx.db, account.firmId, Math.ceil(size / perTopic), `fan-out ${size}${key}`);
        const topics = Array.from({ length: size }, (_, i) => projects[Math.floor(i / perTopic)]!);
        const result: Record<string, Measured> = {};
        let pacedPerSecond = 0;
        for (const target of ['baseline', 'service'] as const) {
          const peer = target === 'baseline' ? baseline.peer : server.proc.peer;
          ctx.log(`  ${size} subscribers (${layout.label}), ${target}: connecting`);
          const measure = async (): Promise<Measured> => {
            const conn = await pool.connect({ url: target === 'baseline' ? baselineUrl : server.wsUrl, raw: target === 'baseline', token: account.token, topics });
            if (conn.failed) ctx.log(`  ! ${conn.failed} subscribers failed to connect: ${conn.firstError}`);
            const heldBefore = await peer.request<number>('listeners', { projectIds: projects });
            const publish = (round: number) => peer.request('publish', { projectIds: projects, round });
            const rounds = await profiled(ctx, target === 'service' ? server : { proc: baseline }, `fan-out-${size}-${key}${target === 'service' ? '' : '-baseline'}`, () =>
              pool.rounds(publish, c.rounds, c.warmupRounds),
            );
            if (target === 'baseline') pacedPerSecond = Math.max(1, (PACED_SHARE * rounds.deliveredPerSecond) / perTopic);
            const firstRound = 1_000_000;
            const pace = () =>
              pool.paced(
                () => peer.request<number>('publish-paced', { projectIds: projects, perSecond: pacedPerSecond, durationMs: c.pacedMs, firstRound }, c.pacedMs + 60_000),
                perTopic,
              );
            // The service's event loop and GC pauses in the paced window: evidence for its p99.
            if (target === 'service') await peer.request('loop:reset');
            const paced = await (target === 'service' ? profiled(ctx, server, `fan-out-${size}-${key}-paced`, pace) : pace());
            const pacedLoop = target === 'service' ? await peer.request<LoopReport>('loop:report') : undefined;
            if (pacedLoop?.gc) {
              const { gc } = pacedLoop;
              ctx.log(`    paced window: loop max ${pacedLoop.max.toFixed(1)} ms; GC ${gc.count} pauses, longest ${gc.maxMs.toFixed(1)} ms (major: ${gc.majorCount}, longest ${gc.majorMaxMs.toFixed(1)} ms)`);
            }
            const heldAfter = await peer.request<number>('listeners', { projectIds: projects });
            await pool.close();
            return { connect: conn, heldBefore, heldAfter, ...rounds, paced: { ...paced, perSecond: pacedPerSecond, loop: pacedLoop } };
          };
          result[target] = await measure();
          const r = result[target]!;
          ctx.log(`    rounds: ${Math.round(r.deliveredPerSecond)} delivered/s, p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms; held ${held(r)}`);
          ctx.log(`    paced at ${Math.round(r.paced.perSecond * perTopic)} deliveries/s: p50 ${r.paced.latency.p50.toFixed(1)} ms, p99 ${r.paced.latency.p99.toFixed(1)} ms, ${r.paced.received}/${r.paced.expected} delivered`);
          if (r.timedOut) ctx.log(`  ! a round did not reach every subscriber in time`);
        }
        const svc = result.service!;
        const base = result.baseline!;
        const name = `fan-out ${size.toLocaleString('en-US')} (${layout.label})`;
        details[`${size}${key}`] = result;
        const paced = `${Math.round(svc.paced.perSecond * perTopic).toLocaleString('en-US')}/s paced`;
        figures.push(
          figure(`${name}: delivered/s`, svc.deliveredPerSecond, 'msg/s', base.deliveredPerSecond, { on: 'ratio', op: '>=', limit: 0.8 }),
          figure(`${name}: p50, rounds`, svc.latency.p50, 'ms', base.latency.p50),
          key === 'a'
            ? figure(`${name}: p99, rounds`, svc.latency.p99, 'ms', base.latency.p99, { on: 'ratio', op: '<=', limit: 1.3 })
            : figure(`${name}: p99, rounds`, svc.latency.p99, 'ms', base.latency.p99),
          figure(`${name}: p50, ${paced}`, svc.paced.latency.p50, 'ms', base.paced.latency.p50),
          key === 'b'
            ? figure(`${name}: p99, ${paced}`, svc.paced.latency.p99, 'ms', base.paced.latency.p99, { on: 'value', op: '<=', limit: 20 })
            : figure(`${name}: p99, ${paced}`, svc.paced.latency.p99, 'ms', base.paced.latency.p99),
          figure(`${name}: subscriptions held`, held(svc), 'subs', held(base), { on: 'value', op: '>=', limit: size }),
        );
      }
    }
    ctx.details['fan-out'] = details;
    return figures;
  } finally {
    await pool.stop();
    await baseline.stop();
    await quiesce(ctx, server);
  }
};
