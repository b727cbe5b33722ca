/**
 * Loaded into the real server's process (`node --import tsx --import ./bench/preload/server-probe.ts
 * src/main.ts`) when the bench starts it with an IPC channel. Adds no route and changes no code
 * path of the service; it only observes, answering the orchestrator's requests:
 *
 * - `loop:reset` / `loop:report`: event-loop delay (`monitorEventLoopDelay`, less its 2 ms
 *   sampling interval), event-loop utilisation, CPU time and garbage-collection pauses since
 *   the last reset;
 * - `mem`: `process.memoryUsage()` after a full GC (the bench passes `--expose-gc`);
 * - `heap:snapshot`: a V8 heap snapshot to a file (bench/tools/heap-diff.ts compares two);
 * - `queries:reset` / `queries:report`: statements sent through `pg` (MikroORM and the raw SQL
 *   layer share its `Client`), counted by statement text;
 * - `profile:start` / `profile:stop`: a CPU profile of a window, written as `.cpuprofile`;
 * - `publish` / `publish-paced` / `listeners`: events pushed into the service's own pubsub (the EventTarget that
 *   `createPubSub` made), exactly as the runner publishes them, for the fan-out scenario; and a
 *   count of the live subscriptions per topic.
 */
import { getEventListeners } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import { constants as perfConstants, monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { profileHandlers } from '../lib/cpu-profile.js';
import { serveParent } from '../lib/ipc.js';
import { benchEvent } from '../lib/constants.js';
import { publishPaced, type PacedSpec } from '../lib/paced.js';

const TOPIC = 'project:status:';

if (process.send && process.env.BENCH_PROBE === '1') install();

function install(): void {
  // --- event loop --------------------------------------------------------------------------
  // The histogram records whole timer intervals (resolution + delay): the delay is what lies
  // beyond the resolution, which is subtracted in `loop:report`.
  const RESOLUTION_MS = 2;
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  let eluStart: EventLoopUtilization = performance.eventLoopUtilization();
  // Garbage-collection pauses since the last reset: a single long one is a window's p99.
  const gc = { count: 0, totalMs: 0, maxMs: 0, majorCount: 0, majorMaxMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const major = (entry as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR;
      gc.count += 1;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      if (major) {
        gc.majorCount += 1;
        gc.majorMaxMs = Math.max(gc.majorMaxMs, entry.duration);
      }
    }
  }).observe({ entryTypes: ['gc'] });
  let cpuStart = process.cpuUsage();
  let windowStart = performance.now();

  // --- pubsub targets ----------------------------------------------------------------------
  const targets = new Set<EventTarget>();
  const addEventListener = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (this: EventTarget, type: string, ...rest: unknown[]) {
    if (typeof type === 'string' && type.startsWith(TOPIC)) targets.add(this);
    return (addEventListener as (...a: unknown[]) => void).call(this, type, ...rest);
  };

  // --- statements through pg ---------------------------------------------------------------
  const byText = new Map<string, number>();
  let statements = 0;
  const requireFromRoot = createRequire(path.join(process.cwd(), 'package.json'));
  const pg = requireFromRoot('pg') as { Client: { prototype: { query: (...a: unknown[]) => unknown } } };
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : first?.text;
    if (text) {
      statements += 1;
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 90);
      byText.set(key, (byText.get(key) ?? 0) + 1);
    }
    return query.apply(this, args);
  };

  serveParent(
    {
      'loop:reset': () => {
        delay.reset();
        eluStart = performance.eventLoopUtilization();
        cpuStart = process.cpuUsage();
        windowStart = performance.now();
        Object.assign(gc, { count: 0, totalMs: 0, maxMs: 0, majorCount: 0, majorMaxMs: 0 });
        return true;
      },
      'loop:report': () => {
        const elu = performance.eventLoopUtilization(eluStart);
        const cpu = process.cpuUsage(cpuStart);
        const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
        return {
          p50: ms(delay.percentile(50)),
          p90: ms(delay.percentile(90)),
          p99: ms(delay.percentile(99)),
          max: ms(delay.max),
          mean: ms(delay.mean),
          resolutionMs: RESOLUTION_MS,
          samples: delay.count,
          utilization: elu.utilization,
          cpuMs: (cpu.user + cpu.system) / 1000,
          wallMs: performance.now() - windowStart,
          gc: { ...gc },
        };
      },
      mem: async () => {
        const gc = (globalThis as { gc?: () => void }).gc;
        for (let i = 0; i < 3 && gc; i++) {
          gc();
          await new Promise((r) => setImmediate(r));
        }
        return { ...process.memoryUsage(), gcExposed: Boolean(gc) };
      },
      'heap:snapshot': ({ file }: { file: string }) => writeHeapSnapshot(file),
      'queries:reset': () => {
        statements = 0;
        byText.clear();
        return true;
      },
      'queries:report': () => ({
        statements,
        top: [...byText.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([text, count]) => ({ count, text })),
      }),
      ...profileHandlers(),
      publish: ({ projectIds, round }: { projectIds: string[]; round: number }) => publish(projectIds, round),
      'publish-paced': (spec: PacedSpec) => publishPaced(spec, (id, round) => publish([id], round)),
      listeners: ({ projectIds }: { projectIds: string[] }) => {
        let total = 0;
        for (const target of targets) {
          for (const id of new Set(projectIds)) total += getEventListeners(target, TOPIC + id).length;
        }
        return total;
      },
    },
    // The orchestrator is gone: stop the way an operator would.
    { onDisconnect: () => process.kill(process.pid, 'SIGTERM') },
  );

  /** One event per project (`benchEvent`), into the EventTarget that listens for its topic. */
  function publish(projectIds: string[], round: number): number {
    let published = 0;
    for (const id of projectIds) {
      const topic = TOPIC + id;
      const target = [...targets].find((t) => getEventListeners(t, topic).length > 0);
      if (!target) continue;
      const detail = benchEvent(id, round);
      target.dispatchEvent(new CustomEvent(topic, { detail }));
      published += 1;
    }
    return published;
  }
}
