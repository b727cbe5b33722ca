import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Orm } from '../../database/orm.js';
import type { Sql } from '../../database/sql.js';
import type { PipelineStage, ProjectStatus, RunStatus } from '../../entities/index.js';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AppPubSub, ProjectStatusEvent } from '../pubsub.js';
import { documentsDigest } from './digest.js';
import { ProgressTicker } from './progress-ticker.js';
import * as store from './run-store.js';
import { recoverExpiredRuns } from './recovery.js';
import { isConnectionLost, isLeaseLost, LeaseLost, RunAborted, withTimeout } from './run-errors.js';
import { StageError, type Stage, type StageContext } from './stage.js';

export { RunAborted } from './run-errors.js';

export interface RunnerOptions {
  orm: Orm;
  sql: Sql;
  pubsub: AppPubSub;
  logger: Logger;
  stages: Stage[];
  /** Runs this process executes at once. */
  concurrency: number;
  leaseSeconds: number;
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
  'run:end': [{ runId: string; projectId: string; status: RunStatus | 'HANDED_BACK' | 'LEASE_LOST' | 'ABANDONED' }];
}

interface ActiveRun {
  run: store.RunRow;
  controller: AbortController;
  done: Promise<void>;
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
  const logger = opts.logger.child({ component: 'runner', instanceId });
  const events = new EventEmitter<RunnerEvents>();
  const active = new Map<string, ActiveRun>();
  const totalWeight = stages.reduce((sum, s) => sum + s.weight, 0);
  const stageTimeoutMs = (opts.stageTimeoutSeconds ?? 1800) * 1000;
  let busy = 0; // slots reserved or running
  let stopped = true;
  let draining: Promise<void> | null = null;
  let drainAgain = false;
  const timers: NodeJS.Timeout[] = [];

  const publish = (event: ProjectStatusEvent | null) => {
    if (event) pubsub.publish('project:status', event.projectId, event);
  };

  function reserveSlot(): boolean {
    if (stopped || busy >= opts.concurrency) return false;
    busy += 1;
    return true;
  }

  function releaseSlot(): void {
    busy -= 1;
    void drain();
  }

  /** Starts a run this runner holds the lease of; returns at once. */
  function launch(run: store.RunRow): void {
    const controller = new AbortController();
    const entry: ActiveRun = { run, controller, done: Promise.resolve() };
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

  async function execute(run: store.RunRow, signal: AbortSignal): Promise<ProjectStatusEvent | null> {
    const log = logger.child({ projectId: run.projectId, runId: run.id });
    const em = opts.orm.em.fork();
    const [rows, digest] = await Promise.all([store.loadStages(sql, run.id), documentsDigest(sql, run.projectId)]);
    const fraction = new Map<PipelineStage, number>(
      rows.map((r) => [r.stage, r.status === 'DONE' || r.status === 'SKIPPED' ? 1 : 0]),
    );
    const overall = () => stages.reduce((sum, s) => sum + s.weight * (fraction.get(s.name) ?? 0), 0) / totalWeight;
    const ticker = new ProgressTicker(
      (t) => store.tick(sql, { projectId: run.projectId, runId: run.id, ...t }).then((e) => (publish(e), e)),
      (err) => log.warn({ err }, 'progress tick failed'),
      opts.progressIntervalMs,
    );
    /** A stage's state change and its event: one statement, guarded by the lease. */
    const step = async (stage: PipelineStage, status: 'RUNNING' | 'DONE' | 'SKIPPED', message: string) => {
      await ticker.flush();
      if (status !== 'RUNNING') fraction.set(stage, 1);
      const event = await store.transition(
        sql,
        run.projectId,
        { status: 'PROCESSING', currentStage: stage, progress: overall() },
        { runId: run.id, message },
        store.stageGuard(run.id, instanceId, stage, status, status === 'RUNNING' ? 0 : 1),
      );
      if (!event) throw new LeaseLost('lease lost');
      publish(event);
    };

    let current: Stage | null = null;
    try {
      for (const stage of stages) {
        const state = rows.find((r) => r.stage === stage.name);
        if (state?.status === 'DONE' || state?.status === 'SKIPPED') continue;
        signal.throwIfAborted();
        current = stage;
        const stageStop = new AbortController();
        const ctx: StageContext = {
          projectId: run.projectId,
          firmId: run.firmId,
          runId: run.id,
          em,
          sql,
          signal: AbortSignal.any([signal, stageStop.signal]),
          documentsDigest: digest,
          restart: run.restart,
          logger: log.child({ stage: stage.name }),
          reportProgress: (f) => {
            const clamped = Math.min(1, Math.max(0, f));
            fraction.set(stage.name, clamped);
            ticker.report(stage.name, clamped, overall());
          },
        };
        if (!run.restart && (await stage.isCheckpointed?.(ctx))) {
          await step(stage.name, 'SKIPPED', `${stage.name} skipped: its result from an earlier run still holds`);
          continue;
        }
        await step(stage.name, 'RUNNING', `${stage.name} started`);
        const outcome = await withTimeout(stage.run(ctx), stageTimeoutMs, () => {
          stageStop.abort(new Error('stage timed out'));
          return new StageError(`timed out after ${stageTimeoutMs / 1000} s (STAGE_TIMEOUT_SECONDS)`);
        });
        signal.throwIfAborted();
        await step(stage.name, 'DONE', `${stage.name} finished`);
        if (outcome?.pause) return await finish(run, 'REVIEWING', 'REVIEWING', null, outcome.message, 'REVIEW');
      }
      current = null;
      return await finish(run, 'COMPLETED', 'COMPLETED', null, 'Processing completed', null);
    } catch (thrown) {
      await ticker.flush();
      const reason = signal.aborted && signal.reason instanceof RunAborted ? signal.reason.kind : null;
      if (reason === 'cancel') {
        return await finish(run, 'CANCELLED', 'CANCELLED', null, 'Processing cancelled', current?.name ?? null);
      } else if (reason === 'shutdown') {
        return await handBack(run, current?.name ?? null);
      } else if (reason === 'lease-lost' || isLeaseLost(thrown)) {
        log.warn('lease lost: another runner took this run over');
        events.emit('run:end', { runId: run.id, projectId: run.projectId, status: 'LEASE_LOST' });
        return null;
      } else if (isConnectionLost(thrown)) {
        // The database went away under the stage: not the input's fault. Nothing can be
        // written now; the lease (no longer renewed) expires and recovery resumes the run.
        log.warn({ err: coerceError(thrown), stage: current?.name }, 'database connection lost; the run is left to lease recovery');
        events.emit('run:end', { runId: run.id, projectId: run.projectId, status: 'ABANDONED' });
        return null;
      } else {
        const err = coerceError(thrown);
        const stageName = current?.name ?? 'pipeline';
        const what = err instanceof StageError ? err.message : `unexpected error (${err.message.slice(0, 200)})`;
        const message = `${stageName} failed: ${what}`;
        if (!(err instanceof StageError)) log.error({ err, stage: stageName }, 'stage threw');
        else log.info({ stage: stageName, reason: err.message }, 'run failed');
        return await finish(run, 'ERROR', 'ERROR', message, message, current?.name ?? null, true);
      }
    }
  }

  /** Final state: run and project in one statement, with the flag cleared. Returns the event to publish. */
  async function finish(
    run: store.RunRow,
    runStatus: RunStatus,
    projectStatus: ProjectStatus,
    errorMessage: string | null,
    message: string,
    stage: PipelineStage | null,
    failed = false,
  ): Promise<ProjectStatusEvent | null> {
    const event = await store.transition(
      sql,
      run.projectId,
      {
        status: projectStatus,
        isProcessing: false,
        currentStage: projectStatus === 'COMPLETED' ? null : stage,
        errorMessage,
        ...(projectStatus === 'COMPLETED' ? { progress: 1 } : {}),
      },
      { runId: run.id, message },
      store.finishGuard(run.id, instanceId, runStatus, errorMessage, failed ? stage : null),
    );
    logger.info({ projectId: run.projectId, runId: run.id, status: runStatus }, 'run ended');
    events.emit('run:end', { runId: run.id, projectId: run.projectId, status: event ? runStatus : 'LEASE_LOST' });
    return event;
  }

  async function handBack(run: store.RunRow, stage: PipelineStage | null): Promise<ProjectStatusEvent | null> {
    const event = await sql.tx(async (tx) => {
      if (!(await store.requeue(tx, run.id, instanceId))) return null;
      return store.transition(tx, run.projectId, { status: 'QUEUED' }, {
        runId: run.id,
        message: `paused${stage ? ` during ${stage}` : ''}: the server is stopping; another server resumes it`,
      });
    });
    events.emit('run:end', { runId: run.id, projectId: run.projectId, status: 'HANDED_BACK' });
    return event;
  }

  /**
   * Fills free slots from the database queue, oldest first. One drain at a time. Slots are not
   * reserved while the queue is read (a start arriving meanwhile gets its slot); a run taken
   * when no slot is left after all goes straight back to the queue, keeping its place.
   */
  function drain(): Promise<void> {
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
        try {
          runs = await store.takeQueued(sql, instanceId, free);
        } catch (err) {
          logger.warn({ err }, 'could not read the queue');
        }
        for (const run of runs) {
          if (!reserveSlot()) {
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
    reserveSlot,
    releaseSlot,
    launch,
    publish,
    drain,
    recover,

    /** Recovers what a dead process left, then takes queued work and keeps leases fresh. */
    async start(): Promise<void> {
      stopped = false;
      await recover();
      await drain();
      every(Math.max(500, (opts.leaseSeconds * 1000) / 3), 'heartbeat', beat);
      every(Math.max(1000, (opts.leaseSeconds * 1000) / 2), 'lease recovery', recover);
      every(opts.pollIntervalMs ?? 1000, 'queue poll', drain);
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
    },

    activeCount: () => active.size,
  };
}
export type PipelineRunner = ReturnType<typeof createPipelineRunner>;
