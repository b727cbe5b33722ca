import { EventEmitter } from 'node:events';
import { PIPELINE_STAGES, type PipelineStage } from '../../src/entities/index.js';
import type { Stage, StageContext } from '../../src/services/pipeline/stage.js';
import { deferred, type Deferred } from './deferred.js';

/**
 * Stages that do nothing until the test says so: each (project, stage) waits on a deferred the
 * test resolves (`release`), or rejects (`fail`). `entered` resolves once a stage is running.
 * With `autoPass`, stages pass straight through unless the test holds them (`hold`). Stages
 * named in `cpuBound` wait for a CPU slot as EXTRACT and CLASSIFY do.
 */
export function createGates(
  options: { autoPass?: boolean; resumable?: Partial<Record<PipelineStage, boolean>>; cpuBound?: PipelineStage[] } = {},
) {
  const gates = new Map<string, Deferred<void>>();
  const held = new Set<string>();
  const emitter = new EventEmitter();
  emitter.setMaxListeners(1000);
  const entries = new Map<string, number>();
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
  let current: Map<string, StageContext> = new Map();

  const stages: Stage[] = PIPELINE_STAGES.map((name) => ({
    name,
    weight: 1,
    resumable: options.resumable?.[name] ?? true,
    cpuBound: options.cpuBound?.includes(name) ?? false,
    async run(ctx: StageContext) {
      const k = key(ctx.projectId, name);
      entries.set(k, (entries.get(k) ?? 0) + 1);
      current.set(k, ctx);
      emitter.emit(k);
      if (options.autoPass && !held.has(k) && !held.has(`*:${name}`)) return;
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
    },
  }));

  return {
    stages,
    /** Resolves when (project, stage) is running (immediately if it already has been entered). */
    entered(projectId: string, stage: PipelineStage): Promise<StageContext> {
      const k = key(projectId, stage);
      const ctx = current.get(k);
      if (ctx && (entries.get(k) ?? 0) > 0) return Promise.resolve(ctx);
      return new Promise((resolve) => emitter.once(k, () => resolve(current.get(k)!)));
    },
    /** How many times (project, stage) has started. */
    entries: (projectId: string, stage: PipelineStage) => entries.get(key(projectId, stage)) ?? 0,
    release(projectId: string, stage: PipelineStage): void {
      current.delete(key(projectId, stage));
      gate(key(projectId, stage)).resolve();
    },
    fail(projectId: string, stage: PipelineStage, error: unknown): void {
      gate(key(projectId, stage)).reject(error);
    },
    /** Makes (project, stage) wait even in autoPass mode; `projectId` '*' holds it for all. */
    hold(projectId: string, stage: PipelineStage): void {
      held.add(key(projectId, stage));
    },
    /** Sends a progress report from inside a running stage. */
    progress(projectId: string, stage: PipelineStage, fraction: number): void {
      current.get(key(projectId, stage))?.reportProgress(fraction);
    },
    reset(): void {
      current = new Map();
      entries.clear();
    },
  };
}
export type Gates = ReturnType<typeof createGates>;
