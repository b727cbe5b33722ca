/**
 * Closed-loop HTTP load in its own process: `concurrency` loops, each sending its next request
 * when the previous one answered (or, with `intervalMs`, at that pace), on keep-alive sockets.
 * Kinds: `start` (the service's startProcessing on the next fresh project), `claim` (the
 * baseline's POST /claim, same projects), `me` (the prober's query).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ME, START } from '../lib/graphql.js';
import { createPoster } from '../lib/http-client.js';
import { serveParent } from '../lib/ipc.js';
import { summarize, type Summary } from '../lib/stats.js';

export interface LoadSpec {
  baseUrl: string;
  kind: 'start' | 'claim' | 'me';
  token?: string;
  firmId?: string;
  /** Consumed one per request (start, claim); the run ends early when they run out. */
  projectIds?: string[];
  concurrency: number;
  /** Measured requests (count mode) … */
  count?: number;
  /** … or a measured duration (duration mode). */
  durationMs?: number;
  /** Requests (count mode) or milliseconds (duration mode) sent first and not measured. */
  warmup?: number;
  /** Pace of each loop: one request per interval (the prober). */
  intervalMs?: number;
  /** Also return every latency, for merging slices of an alternating run. */
  keepSamples?: boolean;
}

export interface LoadResult {
  completed: number;
  errors: number;
  firstError: string | null;
  elapsedMs: number;
  rps: number;
  latency: Summary;
  exhausted: boolean;
  samples?: number[];
}

let stopRequested = false;

async function run(spec: LoadSpec): Promise<LoadResult> {
  stopRequested = false;
  const poster = createPoster(spec.baseUrl, spec.concurrency);
  const ids = spec.projectIds ?? [];
  let next = 0;
  let exhausted = false;
  const auth = spec.token ? { authorization: `Bearer ${spec.token}` } : undefined;
  const meBody = JSON.stringify({ query: ME, variables: {} });

  const send = async (): Promise<{ ok: boolean; detail: string } | null> => {
    if (spec.kind === 'me') {
      const res = await poster.post('/graphql', meBody, auth);
      return { ok: res.status === 200 && !res.body.includes('"errors"'), detail: `${res.status} ${res.body.slice(0, 300)}` };
    }
    const projectId = ids[next++];
    if (projectId === undefined) {
      exhausted = true;
      return null;
    }
    const res =
      spec.kind === 'start'
        ? await poster.post('/graphql', JSON.stringify({ query: START, variables: { projectId } }), auth)
        : await poster.post('/claim', JSON.stringify({ projectId, firmId: spec.firmId }));
    return { ok: res.status === 200 && !res.body.includes('"errors"'), detail: `${res.status} ${res.body.slice(0, 300)}` };
  };

  // One phase: loops send until the phase's count or deadline; returns the phase's samples.
  const phase = async (count: number | undefined, durationMs: number | undefined) => {
    const latencies: number[] = [];
    let sent = 0;
    let errors = 0;
    let firstError: string | null = null;
    const began = performance.now();
    const deadline = durationMs === undefined ? Infinity : began + durationMs;
    const more = () => !stopRequested && !exhausted && performance.now() < deadline && (count === undefined || sent < count);
    const loop = async () => {
      let slot = performance.now();
      while (more()) {
        sent += 1;
        const t0 = performance.now();
        let outcome: { ok: boolean; detail: string } | null;
        try {
          outcome = await send();
        } catch (err) {
          outcome = { ok: false, detail: String(err) };
        }
        if (outcome === null) {
          sent -= 1;
          break;
        }
        latencies.push(performance.now() - t0);
        if (!outcome.ok) {
          errors += 1;
          firstError ??= outcome.detail;
        }
        if (spec.intervalMs) {
          slot += spec.intervalMs;
          const wait = slot - performance.now();
          if (wait > 0) await sleep(wait);
          else slot = performance.now();
        }
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, loop));
    return { latencies, errors, firstError, elapsedMs: performance.now() - began };
  };

  try {
    if (spec.warmup) {
      if (spec.durationMs !== undefined) await phase(undefined, spec.warmup);
      else await phase(spec.warmup, undefined);
    }
    const measured = await phase(spec.count, spec.durationMs);
    return {
      completed: measured.latencies.length,
      errors: measured.errors,
      firstError: measured.firstError,
      elapsedMs: measured.elapsedMs,
      rps: (measured.latencies.length / measured.elapsedMs) * 1000,
      latency: summarize(measured.latencies),
      exhausted,
      ...(spec.keepSamples ? { samples: measured.latencies } : {}),
    };
  } finally {
    poster.close();
  }
}

serveParent({
  run: (spec: LoadSpec) => run(spec),
  stop: () => {
    stopRequested = true;
    return true;
  },
});
