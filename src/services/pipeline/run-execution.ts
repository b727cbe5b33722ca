import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../../database/orm.js';
import type { Sql } from '../../database/sql.js';
import type { PipelineStage, ProjectStatus, RunStatus } from '../../entities/index.js';
import { coerceError } from '../errors.js';
import { withLogFields, type LogFields } from '../log-context.js';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import { inSpan } from '../tracing.js';
import type { ProjectStatusEvent } from '../pubsub.js';
import { acquireAnnounced, type CpuSlots, type ReleaseCpuSlot } from './cpu-slots.js';
import { ProgressTicker } from './progress-ticker.js';
import { loadRunContext, type FirstStep } from './run-context.js';
import * as store from './run-store.js';
import { isConnectionLost, isLeaseLost, LeaseLost, RunAborted, withTimeout } from './run-errors.js';
import { StageError, type Checkpoints, type Stage, type StageContext } from './stage.js';

// A wait shorter than this is not worth an event (one statement): the holder is about to finish.
const ANNOUNCE_CPU_WAIT_AFTER_MS = 100;

/** How an execution ended, for `run:end`. */
export interface RunEnd {
  runId: string;
  projectId: string;
  status: RunStatus | 'HANDED_BACK' | 'LEASE_LOST' | 'ABANDONED';
}

export interface RunExecutorOptions {
  orm: Orm;
  sql: Sql;
  stages: Stage[];
  /** The lease owner every write is guarded by. */
  instanceId: string;
  logger: Logger;
  publish(event: ProjectStatusEvent | null): void;
  ended(end: RunEnd): void;
  progressIntervalMs?: number;
  /** Counts only a stage body's own time, not a wait for a CPU slot before it. */
  stageTimeoutMs: number;
  /** Shared by every run of this process; `cpuBound` stages hold one while their body runs. */
  cpuSlots: CpuSlots;
}

/**
 * One execution of a run this process holds the lease of: its stages in order, from the first
 * one not yet DONE or SKIPPED, to exactly one end (a final status, a hand-back, or nothing
 * written when the lease or the database is gone). Every state change is one lease-guarded
 * statement. Resolves with the final event, which the caller publishes once the slot is free.
 */
export function createRunExecutor(opts: RunExecutorOptions) {
  const { sql, stages, instanceId, logger, publish } = opts;
  const totalWeight = stages.reduce((sum, s) => sum + s.weight, 0);
  const { stageTimeoutMs } = opts;

  /**
   * Every line logged while the run executes, here or in what it calls, carries its ids and
   * the stage it is in (`fields.stage` follows the loop), through the logger's mixin.
   */
  function execute(run: store.RunRow, signal: AbortSignal): Promise<ProjectStatusEvent | null> {
    const fields: LogFields = { runId: run.id, projectId: run.projectId, firmId: run.firmId };
    return withLogFields(fields, () =>
      inSpan('pipeline.run', { 'cma.run_id': run.id, 'cma.project_id': run.projectId, 'cma.attempt': run.attempts }, () => executeRun(run, signal, fields)),
    );
  }

  async function executeRun(run: store.RunRow, signal: AbortSignal, fields: LogFields): Promise<ProjectStatusEvent | null> {
    const log = logger;
    // Forked on first use: no CMA stage needs one, and a fork per run showed in the start
    // bench's profile (~1 % of the main thread at 50 clients).
    let em: EntityManager | undefined;
    const forkEm = () => (em ??= opts.orm.em.fork());
    const first = firstStep(run, signal);
    let context: Awaited<ReturnType<typeof loadRunContext>>;
    try {
      context = await loadRunContext(sql, run.id, run.projectId, first?.step);
    } catch (err) {
      first?.releaseCpu?.();
      throw err;
    }
    // The first stage's RUNNING step, if the context read took it: that stage then runs at once.
    let startedEarly: { stage: Stage; releaseCpu: ReleaseCpuSlot | null } | null = null;
    if (first && context.started) {
      publish(context.started);
      startedEarly = { stage: first.stage, releaseCpu: first.releaseCpu };
    } else first?.releaseCpu?.();
    const rows = context.stages;
    // Valid until a stage of this execution runs: running one may move the checkpoints.
    let checkpoints: Checkpoints | null = context.checkpoints;
    const memo = new Map<symbol, unknown>();
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
    /**
     * Tells watchers that `stage` waits for a CPU slot (the stage row stays PENDING, the project
     * shows the stage). The run stays what any run is meanwhile: heartbeated, cancellable and
     * handed back on a graceful stop (the abort rejects the wait).
     */
    const announceWait = async (stage: Stage) => {
      await ticker.flush();
      const event = await store.transition(
        sql,
        run.projectId,
        { status: 'PROCESSING', currentStage: stage.name, progress: overall() },
        { runId: run.id, message: `${stage.name} waiting for a CPU slot` },
        store.leaseGuard(run.id, instanceId),
      );
      if (!event) throw new LeaseLost('lease lost');
      publish(event);
    };

    let current: Stage | null = null;
    try {
      for (const stage of stages) {
        const early = startedEarly?.stage === stage ? startedEarly : null;
        if (!early) startedEarly?.releaseCpu?.(); // not reached: the context read took it only for the first stage
        startedEarly = null;
        const state = rows.find((r) => r.stage === stage.name);
        if (!early && (state?.status === 'DONE' || state?.status === 'SKIPPED')) continue;
        // Once its RUNNING step is stored a stage's body runs, even if the run was stopped
        // meanwhile (the body sees the aborted signal), as when the stop comes during the step.
        if (!early) signal.throwIfAborted();
        current = stage;
        fields.stage = stage.name;
        const stageStop = new AbortController();
        const stageSignal = AbortSignal.any([signal, stageStop.signal]);
        // The slot this stage's body holds, if any; given back once when the body is over, and
        // a slot granted after that (it cannot be: a stopped stage's wait is aborted) at once.
        let releaseCpu: ReleaseCpuSlot | null = early?.releaseCpu ?? null;
        let bodyOver = false;
        const useCpu = async () => {
          if (releaseCpu) return;
          const release = await acquireAnnounced(opts.cpuSlots, stageSignal, ANNOUNCE_CPU_WAIT_AFTER_MS, () => announceWait(stage));
          if (bodyOver || releaseCpu) release();
          else releaseCpu = release;
        };
        const ctx: StageContext = {
          projectId: run.projectId,
          firmId: run.firmId,
          runId: run.id,
          get em() {
            return forkEm();
          },
          sql,
          signal: stageSignal,
          documentsDigest: context.documentsDigest,
          documents: context.documents,
          checkpoints,
          restart: run.restart,
          useCpu,
          memo,
          logger: log,
          reportProgress: (f) => {
            const clamped = Math.min(1, Math.max(0, f));
            fraction.set(stage.name, clamped);
            ticker.report(stage.name, clamped, overall());
          },
        };
        if (!early && !run.restart && (await stage.isCheckpointed?.(ctx))) {
          await step(stage.name, 'SKIPPED', `${stage.name} skipped: its result from an earlier run still holds`);
          continue;
        }
        // A first stage started by the context read holds its slot already.
        if (!early && stage.cpuBound === true) await useCpu();
        let outcome: Awaited<ReturnType<Stage['run']>>;
        let began = 0;
        let stageOutcome: 'done' | 'failed' | 'stopped' = 'failed';
        try {
          if (!early) await step(stage.name, 'RUNNING', `${stage.name} started`);
          else if (!run.restart && (await stage.isCheckpointed?.(ctx))) {
            // Decided in SQL from `stage.checkpoint`: isCheckpointed disagreeing means that
            // declaration is wrong. The stage runs anyway (redoing an earlier result is safe).
            log.error({ stage: stage.name, checkpoint: stage.checkpoint }, 'stage started although checkpointed: its `checkpoint` does not match isCheckpointed');
          }
          checkpoints = null;
          began = performance.now();
          outcome = await inSpan('pipeline.stage', { 'cma.stage': stage.name }, () =>
            withTimeout(stage.run(ctx), stageTimeoutMs, () => {
              stageStop.abort(new Error('stage timed out'));
              return new StageError(`timed out after ${stageTimeoutMs / 1000} s (STAGE_TIMEOUT_SECONDS)`);
            }),
          );
          stageOutcome = 'done';
        } finally {
          if (began > 0) metrics.stageEnded(stage.name, signal.aborted ? 'stopped' : stageOutcome, (performance.now() - began) / 1000);
          // Freed as soon as the body is over (on a timeout the body was told to stop and its
          // worker is terminated), before the DONE write, so the next run's body starts at once.
          bodyOver = true;
          (releaseCpu as ReleaseCpuSlot | null)?.();
        }
        signal.throwIfAborted();
        await step(stage.name, 'DONE', `${stage.name} finished`);
        if (outcome?.pause) return await finish(run, 'REVIEWING', 'REVIEWING', null, outcome.message, 'REVIEW');
      }
      current = null;
      fields.stage = undefined;
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
        opts.ended({ runId: run.id, projectId: run.projectId, status: 'LEASE_LOST' });
        return null;
      } else if (isConnectionLost(thrown)) {
        // The database went away under the stage: not the input's fault. Nothing can be
        // written now; the lease (no longer renewed) expires and recovery resumes the run.
        log.warn({ err: coerceError(thrown), stage: current?.name }, 'database connection lost; the run is left to lease recovery');
        opts.ended({ runId: run.id, projectId: run.projectId, status: 'ABANDONED' });
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

  /**
   * The first stage's RUNNING step for the context read to take, when SQL can decide it: the run
   * is not being stopped, the stage's CPU slot (if it needs one) is free now, and whether it is
   * SKIPPED is a checkpoint comparison (`Stage.checkpoint`) or does not apply. Otherwise null,
   * and the step is taken as for any stage: after the read, the checkpoint test and the slot
   * (with its wait announced).
   */
  function firstStep(run: store.RunRow, signal: AbortSignal): { step: FirstStep; stage: Stage; releaseCpu: ReleaseCpuSlot | null } | null {
    const stage = stages[0];
    if (!stage || signal.aborted) return null;
    const checkpoint = run.restart || !stage.isCheckpointed ? null : stage.checkpoint;
    if (checkpoint === undefined) return null;
    let releaseCpu: ReleaseCpuSlot | null = null;
    // An 'on-demand' stage takes its slot inside its body, if at all.
    if (stage.cpuBound === true) {
      releaseCpu = opts.cpuSlots.tryAcquire();
      if (!releaseCpu) return null;
    }
    // No stage is DONE or SKIPPED yet (the statement checks it), so `overall()` would give 0.
    return { step: { stage: stage.name, owner: instanceId, progress: 0, message: `${stage.name} started`, checkpoint }, stage, releaseCpu };
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
    logger.info({ status: runStatus }, 'run ended');
    opts.ended({ runId: run.id, projectId: run.projectId, status: event ? runStatus : 'LEASE_LOST' });
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
    opts.ended({ runId: run.id, projectId: run.projectId, status: 'HANDED_BACK' });
    return event;
  }

  return { execute };
}
