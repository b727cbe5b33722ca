import { performance } from 'node:perf_hooks';
import { forkScript, type Tracked } from './processes.js';
import { summarize, type Summary } from './stats.js';

let nextPhase = 10;

/**
 * Several subscriber processes (bench/load/subscribers.ts) driven as one: connects N
 * subscribers spread over them, then publishes rounds and waits for every subscriber to have
 * each round before the next (a closed loop: no queue builds up, both sides are paced the same
 * way, by their own delivery).
 */
export class SubscriberPool {
  private readonly procs: Tracked[];
  private readonly done = new Map<number, number>();
  private waiters: { round: number; resolve: () => void }[] = [];
  private sizes: number[] = [];

  constructor(processes: number) {
    this.procs = Array.from({ length: processes }, (_, i) => forkScript(`subscribers-${i + 1}`, 'load/subscribers.ts'));
    for (const proc of this.procs) {
      proc.peer.on('round', (payload) => {
        const { round } = payload as { round: number };
        this.done.set(round, (this.done.get(round) ?? 0) + 1);
        this.waiters = this.waiters.filter((w) => (this.isDone(w.round) ? (w.resolve(), false) : true));
      });
    }
  }

  private isDone(round: number): boolean {
    return (this.done.get(round) ?? 0) >= this.sizes.filter((s) => s > 0).length;
  }

  /**
   * One subscriber per topic entry; every process binds its own range of 127.x.y.z source
   * addresses (a new x per call), so ports never run out across phases (TIME_WAIT included).
   */
  async connect(spec: { url: string; raw: boolean; token?: string; topics: string[]; parallel?: number; subscribe?: boolean }) {
    const phase = nextPhase++;
    if (phase > 254) throw new Error('out of source address ranges');
    const parts = this.procs.map((_, p) => spec.topics.filter((_, i) => i % this.procs.length === p));
    this.sizes = parts.map((t) => t.length);
    const began = performance.now();
    const results = await Promise.all(
      this.procs.map((proc, p) =>
        proc.peer.request<{ connected: number; failed: number; firstError: string | null; ms: number }>(
          'connect',
          { url: spec.url, raw: spec.raw, token: spec.token, topics: parts[p], sourcePrefix: `127.${phase}.${p + 1}`, parallel: spec.parallel ?? 50, subscribe: spec.subscribe },
          600_000,
        ),
      ),
    );
    return {
      connected: results.reduce((s, r) => s + r.connected, 0),
      failed: results.reduce((s, r) => s + r.failed, 0),
      firstError: results.find((r) => r.firstError)?.firstError ?? null,
      ms: performance.now() - began,
    };
  }

  /**
   * Publishes `warmup + rounds` rounds through `publish`, each once the previous one reached
   * every subscriber. Latencies (publish → receive, per delivery) of the measured rounds only.
   */
  async rounds(publish: (round: number) => Promise<unknown>, rounds: number, warmup: number, timeoutMs = 60_000) {
    await Promise.all(this.procs.map((p) => p.peer.request('arm', { warmup })));
    this.done.clear();
    const durations: number[] = [];
    let timedOut = 0;
    for (let round = 1; round <= warmup + rounds; round++) {
      const t0 = performance.now();
      const reached = new Promise<void>((resolve) => {
        if (this.isDone(round)) resolve();
        else this.waiters.push({ round, resolve });
      });
      await publish(round);
      const ok = await Promise.race([reached.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())]);
      if (!ok) {
        timedOut += 1;
        break;
      }
      if (round > warmup) durations.push(performance.now() - t0);
    }
    const reports = await Promise.all(
      this.procs.map((p) =>
        p.peer.request<{ latencies: number[]; received: number; open: number; ended: number; incompleteRounds: unknown[] }>('report'),
      ),
    );
    const latencies: number[] = [];
    for (const r of reports) for (const v of r.latencies) latencies.push(v);
    const subscribers = this.sizes.reduce((a, b) => a + b, 0);
    const totalMs = durations.reduce((a, b) => a + b, 0);
    return {
      latency: summarize(latencies) as Summary,
      roundMs: summarize(durations),
      measuredRounds: durations.length,
      deliveredPerSecond: durations.length ? (subscribers * durations.length) / (totalMs / 1000) : 0,
      open: reports.reduce((s, r) => s + r.open, 0),
      received: reports.reduce((s, r) => s + r.received, 0),
      timedOut,
    };
  }

  /**
   * Paced load: `publish` runs the publisher's own steady schedule (events published from
   * round `firstRound` up); then waits until `expected` deliveries arrived (or `settleMs`
   * passed). Latency of every delivery; nothing here waits between events.
   */
  async paced(publish: () => Promise<number>, perTopic: number, settleMs = 15_000) {
    await Promise.all(this.procs.map((p) => p.peer.request('arm', { warmup: 0, paced: true })));
    const began = performance.now();
    const events = await publish();
    const publishMs = performance.now() - began;
    const expected = events * perTopic;
    const deadline = performance.now() + settleMs;
    let received = 0;
    while (performance.now() < deadline) {
      const reports = await Promise.all(this.procs.map((p) => p.peer.request<{ received: number }>('report')));
      received = reports.reduce((s, r) => s + r.received, 0);
      if (received >= expected) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const reports = await Promise.all(this.procs.map((p) => p.peer.request<{ latencies: number[]; received: number }>('report')));
    const latencies: number[] = [];
    for (const r of reports) for (const v of r.latencies) latencies.push(v);
    return { events, publishMs, expected, received: reports.reduce((s, r) => s + r.received, 0), latency: summarize(latencies) as Summary };
  }

  /** Sockets still open across the processes. */
  async open(): Promise<number> {
    const reports = await Promise.all(this.procs.map((p) => p.peer.request<{ open: number }>('report')));
    return reports.reduce((s, r) => s + r.open, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.peer.request('close', undefined, 60_000)));
    this.sizes = [];
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
  }
}
