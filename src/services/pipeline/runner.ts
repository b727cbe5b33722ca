import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Orm } from '../../database/orm.js';
import type { Sql } from '../../database/sql.js';
import { coerceError } from '../errors.js';
import { createCpuSlots } from './cpu-slots.js';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import type { AppPubSub, ProjectStatusEvent } from '../pubsub.js';
import { RunAborted } from './run-errors.js';
import { createRunExecutor, type RunEnd } from './run-execution.js';
import { takeQueued } from './queue-order.js';
import * as store from './run-store.js';
import { recoverExpiredRuns } from './recovery.js';
import { announceWorker, anyWorkerAlive, sweepDeadWorkers, withdrawWorker } from './worker-presence.js';
import type { Stage } from './stage.js';

export { RunAborted } from './run-errors.js';

export interface RunnerOptions {
  orm: Orm;
  sql: Sql;
  pubsub: AppPubSub;
  logger: Logger;
  stages: Stage[];
  /**
   * Runs this process executes at once. 0 (ROLE=api): it runs none, its starts are queued for
   * the worker processes; it still recovers expired leases, like every process.
   */
  concurrency: number;
  /** Of those, how many may be in a CPU-heavy stage body (`Stage.cpuBound`) at once. */
  cpuStageConcurrency: number;
  leaseSeconds: number;
  /** Runs of one firm RUNNING at once across every process (the database enforces it). */
  firmMaxActiveRuns?: number;
  /** How often to look for queued work started by other processes. */
  pollIntervalMs?: number;
  /** A run taken this many times without finishing is ended INTERRUPTED instead of resumed. */
  maxAttempts?: number;
  progressIntervalMs?: number;
  /** A stage running longer than this fails the run (it is asked to stop, then abandoned). */
  stageTimeoutSeconds?: number;
}

/** Emitted for tests and logs: `run:end` with `{ runId, projectId, status }`. */
export interface RunnerEvents {
  'run:end': [RunEnd];
}

interface ActiveRun {
  run: store.RunRow;
  controller: AbortController;
  done: Promise<void>;
  /** performance.now() at launch, for the run-duration histogram. */
  launchedAt: number;
}

/**
 * Executes pipeline runs: a bounded number at once, the rest waiting in the database queue.
 * Invariant: every run this runner starts ends in exactly one of: a final status written with
 * `is_processing = false` in the same transaction, a hand-back to the queue, or (if the process
 * dies) an expired lease that `recoverExpiredRuns` turns into one of those two.
 */
export function createPipelineRunner(opts: RunnerOptions) {
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const { sql, pubsub, stages } = opts;
  const firmMaxActiveRuns = opts.firmMaxActiveRuns ?? 2;
  const logger = opts.logger.child({ component: 'runner', instanceId });
  const events = new EventEmitter<RunnerEvents>();
  const active = new Map<string, ActiveRun>();
  let busy = 0; // slots reserved or running
  let stopped = true;
  let draining: Promise<void> | null = null;
  let drainAgain = false;
  /**
   * False only when this process's last look at the queue found it empty and nothing it has
   * done since could have queued work (a start it queued, a run it put back, recovery). Then
   * a freed slot does not read the queue; work queued by other processes is found by the poll.
   */
  let queueMayHaveWork = true;
  const timers: NodeJS.Timeout[] = [];

  const publish = (event: ProjectStatusEvent | null) => {
    if (!event) return;
    pubsub.publish('project:status', event.projectId, event);
    metrics.eventPublished();
  };
  const { execute } = createRunExecutor({
    orm: opts.orm,
    sql,
    stages,
    instanceId,
    logger,
    publish,
    ended: (end) => {
      const launchedAt = active.get(end.runId)?.launchedAt;
      metrics.runEnded(end.status, launchedAt === undefined ? undefined : (performance.now() - launchedAt) / 1000);
      events.emit('run:end', end);
    },
    progressIntervalMs: opts.progressIntervalMs,
    stageTimeoutMs: (opts.stageTimeoutSeconds ?? 1800) * 1000,
    cpuSlots: createCpuSlots(opts.cpuStageConcurrency),
  });

  function reserveSlot(): boolean {
    if (stopped || busy >= opts.concurrency) return false;
    busy += 1;
    return true;
  }

  function releaseSlot(): void {
    busy -= 1;
    if (queueMayHaveWork) void drainQueue();
  }

  /** Starts a run this runner holds the lease of; returns at once. */
  function launch(run: store.RunRow): void {
    const controller = new AbortController();
    const entry: ActiveRun = { run, controller, done: Promise.resolve(), launchedAt: performance.now() };
    if (run.cancelRequested) controller.abort(new RunAborted('cancel'));
    active.set(run.id, entry);
    entry.done = execute(run, controller.signal)
      .catch((err: unknown) => {
        logger.error({ err: coerceError(err), runId: run.id }, 'run failed outside its stages');
        return null;
      })
      .then((finalEvent) => {
        // Free the slot before telling anyone the run ended: a client that starts again on
        // seeing the final event must find the slot free.
        active.delete(run.id);
        releaseSlot();
        publish(finalEvent);
      });
  }

  /** Looks at the queue now (a start was queued, recovery requeued runs, the poll is due). */
  function drain(): Promise<void> {
    queueMayHaveWork = true;
    return drainQueue();
  }

  /**
   * Fills free slots from the database queue, in the fair order (queue-order.ts). One drain at a time. Slots are not
   * reserved while the queue is read (a start arriving meanwhile gets its slot); a run taken
   * when no slot is left after all goes straight back to the queue, keeping its place.
   */
  function drainQueue(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (draining) {
      drainAgain = true;
      return draining;
    }
    draining = (async () => {
      do {
        drainAgain = false;
        const free = opts.concurrency - busy;
        if (free <= 0) break;
        let runs: store.RunRow[] = [];
        // Cleared before the read, so a start queued while it is in flight sets it again.
        queueMayHaveWork = false;
        try {
          const taken = await takeQueued(sql, instanceId, free, firmMaxActiveRuns);
          runs = taken.runs;
          // Runs left behind (no slot, or their firm at its cap): a run ending here may free
          // their turn, so the next freed slot looks again.
          if (taken.more) queueMayHaveWork = true;
        } catch (err) {
          queueMayHaveWork = true;
          logger.warn({ err }, 'could not read the queue');
        }
        for (const run of runs) {
          if (!reserveSlot()) {
            queueMayHaveWork = true;
            await store.untake(sql, run.id, instanceId).catch((err: unknown) => logger.warn({ err, runId: run.id }, 'could not hand back a queued run'));
            continue;
          }
          try {
            publish(await store.transition(sql, run.projectId, { status: 'PROCESSING' }, {
              runId: run.id,
              message: run.attempts > 1 ? 'Processing resumed' : 'Processing started',
            }));
          } catch (err) {
            logger.warn({ err, runId: run.id }, 'could not record the start of a queued run');
          }
          launch(run);
        }
        if (runs.length === free) drainAgain = true;
      } while (drainAgain && !stopped);
    })().finally(() => {
      draining = null;
    });
    return draining;
  }

  async function beat(): Promise<void> {
    if (active.size === 0) return;
    const held = await store.heartbeat(sql, instanceId, [...active.keys()]);
    const heldIds = new Set(held.map((h) => h.id));
    for (const [id, entry] of active) {
      if (!heldIds.has(id)) entry.controller.abort(new RunAborted('lease-lost'));
    }
    for (const h of held) if (h.cancelRequested) active.get(h.id)?.controller.abort(new RunAborted('cancel'));
  }

  async function recover(): Promise<void> {
    const ended = await recoverExpiredRuns({ sql, stages, leaseSeconds: opts.leaseSeconds, maxAttempts: opts.maxAttempts ?? 3, logger });
    ended.forEach(publish);
    if (ended.length > 0) await drain();
  }

  function every(ms: number, what: string, fn: () => Promise<void>): void {
    const timer = setInterval(() => fn().catch((err: unknown) => logger.warn({ err }, `${what} failed`)), ms);
    timer.unref();
    timers.push(timer);
  }

  return {
    instanceId,
    events,
    stageNames: stages.map((s) => s.name),
    firmMaxActiveRuns,
    reserveSlot,
    releaseSlot,
    launch,
    publish,
    drain,
    recover,

    /** Whether any process that runs pipelines (this one included) is alive, on any machine. */
    workersAlive: () => anyWorkerAlive(sql, opts.leaseSeconds),

    /** Recovers what a dead process left, then takes queued work and keeps leases fresh. */
    async start(): Promise<void> {
      stopped = false;
      const heartbeatMs = Math.max(500, (opts.leaseSeconds * 1000) / 3);
      if (opts.concurrency > 0) {
        await sweepDeadWorkers(sql);
        await announceWorker(sql, instanceId, opts.concurrency);
        every(heartbeatMs, 'worker presence', () => announceWorker(sql, instanceId, opts.concurrency));
      }
      await recover();
      await drain();
      every(heartbeatMs, 'heartbeat', beat);
      every(Math.max(1000, (opts.leaseSeconds * 1000) / 2), 'lease recovery', recover);
      if (opts.concurrency > 0) every(opts.pollIntervalMs ?? 1000, 'queue poll', drain);
    },

    /** Asks the run to stop at its next safe point; resolves when it has ended. */
    async cancelLocal(runId: string): Promise<boolean> {
      const entry = active.get(runId);
      if (!entry) return false;
      entry.controller.abort(new RunAborted('cancel'));
      await entry.done;
      return true;
    },

    /** Stops taking work; running stages stop at a safe point and their runs go back to the queue. */
    async stop(): Promise<void> {
      stopped = true;
      timers.splice(0).forEach(clearInterval);
      await draining;
      for (const entry of active.values()) entry.controller.abort(new RunAborted('shutdown'));
      await Promise.all([...active.values()].map((e) => e.done));
      if (opts.concurrency > 0) await withdrawWorker(sql, instanceId).catch((err: unknown) => logger.warn({ err }, 'could not withdraw this worker'));
    },

    activeCount: () => active.size,
    /** Pipeline slots while taking work, 0 before start and after stop (for metrics). */
    slots: () => (stopped ? 0 : opts.concurrency),
  };
}
export type PipelineRunner = ReturnType<typeof createPipelineRunner>;
