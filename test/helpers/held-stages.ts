import { EventEmitter } from 'node:events';
import { PIPELINE_STAGES, type PipelineStage } from '../../src/entities/index.js';
import type { Stage, StageContext } from '../../src/services/pipeline/stage.js';
import { deferred, type Deferred } from './deferred.js';

/**
 * Wraps pipeline stages (the real ones from `createCmaStages`, or `stubStages()`) so that a test
 * can hold a stage for one project, or for every project with '*', before it does its work: the
 * run stays PROCESSING at that stage, with everything the earlier stages wrote, until the test
 * releases it (`release`) or makes it throw (`fail`). A hold stays in place: every later run of
 * the stage waits again. A held stage gives way to the run's abort signal. Stages that are not
 * held run straight through, exactly as the wrapped ones do.
 */
export function holdStages(inner: Stage[]) {
  const gates = new Map<string, Deferred<void>>();
  const held = new Set<string>();
  const emitter = new EventEmitter();
  emitter.setMaxListeners(1000);
  const entries = new Map<string, number>();
  const exits = new Map<string, number>();
  const current = new Map<string, StageContext>();
  const key = (projectId: string, stage: PipelineStage) => `${projectId}:${stage}`;
  const gate = (k: string) => {
    let g = gates.get(k);
    if (!g) {
      g = deferred<void>();
      g.promise.catch(() => undefined);
      gates.set(k, g);
    }
    return g;
  };
  const bump = (counts: Map<string, number>, k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);

  const stages: Stage[] = inner.map((stage) => ({
    ...stage,
    async run(ctx) {
      const k = key(ctx.projectId, stage.name);
      bump(entries, k);
      current.set(k, ctx);
      emitter.emit(`entered ${k}`);
      try {
        if (held.has(k) || held.has(key('*', stage.name))) {
          const aborted = new Promise<never>((_, reject) => {
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
            if (ctx.signal.aborted) reject(ctx.signal.reason);
          });
          aborted.catch(() => undefined);
          try {
            await Promise.race([gate(k).promise, aborted]);
          } finally {
            gates.delete(k); // a later run of the same stage waits again
          }
        }
        return await stage.run(ctx);
      } finally {
        bump(exits, k);
        emitter.emit(`ended ${k}`);
      }
    },
  }));

  return {
    stages,
    /** Makes every run of `stage` for `projectId` (for every project with '*') wait for `release` or `fail`. */
    hold(projectId: string, stage: PipelineStage): void {
      held.add(key(projectId, stage));
    },
    /** Lets the held run of (project, stage) go on, or the next one if none is waiting yet. */
    release(projectId: string, stage: PipelineStage): void {
      current.delete(key(projectId, stage));
      gate(key(projectId, stage)).resolve();
    },
    /** Makes the held run of (project, stage), or the next one, throw `error` instead of doing its work. */
    fail(projectId: string, stage: PipelineStage, error: unknown): void {
      gate(key(projectId, stage)).reject(error);
    },
    /**
     * Resolves with the stage's context once (project, stage) is running: at once if it has been
     * entered and not released since, otherwise on its next start.
     */
    entered(projectId: string, stage: PipelineStage): Promise<StageContext> {
      const k = key(projectId, stage);
      const ctx = current.get(k);
      if (ctx && (entries.get(k) ?? 0) > 0) return Promise.resolve(ctx);
      return new Promise((resolve) => emitter.once(`entered ${k}`, () => resolve(current.get(k)!)));
    },
    /** Resolves once a run of (project, stage) has returned or thrown (at once if one already has). */
    ended(projectId: string, stage: PipelineStage): Promise<void> {
      const k = key(projectId, stage);
      if ((exits.get(k) ?? 0) > 0) return Promise.resolve();
      return new Promise((resolve) => emitter.once(`ended ${k}`, () => resolve()));
    },
    /** How many times (project, stage) has started. */
    entries: (projectId: string, stage: PipelineStage) => entries.get(key(projectId, stage)) ?? 0,
    /** Sends a progress report from inside a running stage. */
    progress(projectId: string, stage: PipelineStage, fraction: number): void {
      current.get(key(projectId, stage))?.reportProgress(fraction);
    },
  };
}
export type HeldStages = ReturnType<typeof holdStages>;

/**
 * One stage per pipeline step that does no work, for tests of the runner and the API around it
 * rather than of the CMA stages; `resumable` overrides a stage's default of true, and stages
 * named in `cpuBound` wait for a CPU slot as EXTRACT and CLASSIFY do.
 */
export function stubStages(
  options: { resumable?: Partial<Record<PipelineStage, boolean>>; cpuBound?: PipelineStage[] } = {},
): Stage[] {
  return PIPELINE_STAGES.map((name) => ({
    name,
    weight: 1,
    resumable: options.resumable?.[name] ?? true,
    cpuBound: options.cpuBound?.includes(name) ?? false,
    async run() {},
  }));
}
