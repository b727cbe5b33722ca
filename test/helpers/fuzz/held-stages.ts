import type { PipelineStage } from '../../../src/entities/index.js';
import type { Stage } from '../../../src/services/pipeline/stage.js';
import { deferred, type Deferred } from '../deferred.js';

/**
 * The real stages, each of which can be held for one project before it starts its work: the
 * pipeline stays PROCESSING at that stage (with everything the earlier stages wrote) until the
 * test releases it. Unheld projects run straight through, exactly as in production.
 */
export function holdableStages(real: Stage[]) {
  const holds = new Map<string, Deferred<void>>();
  const arrivals = new Map<string, Deferred<void>>();
  const key = (projectId: string, stage: PipelineStage) => `${projectId}:${stage}`;
  const arrival = (k: string) => {
    let d = arrivals.get(k);
    if (!d) arrivals.set(k, (d = deferred<void>()));
    return d;
  };

  const stages: Stage[] = real.map((stage) => ({
    ...stage,
    async run(ctx) {
      const k = key(ctx.projectId, stage.name);
      const hold = holds.get(k);
      arrival(k).resolve();
      if (hold) {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => reject(ctx.signal.reason);
          if (ctx.signal.aborted) return onAbort();
          ctx.signal.addEventListener('abort', onAbort, { once: true });
          void hold.promise.then(() => {
            ctx.signal.removeEventListener('abort', onAbort);
            resolve();
          });
        });
      }
      return stage.run(ctx);
    },
  }));

  return {
    stages,
    /** The next run of (project, stage) waits until `release`. */
    hold(projectId: string, stage: PipelineStage): void {
      holds.set(key(projectId, stage), deferred<void>());
    },
    release(projectId: string, stage: PipelineStage): void {
      const k = key(projectId, stage);
      holds.get(k)?.resolve();
      holds.delete(k);
    },
    /** Resolves once (project, stage) has started (and, if held, is waiting). */
    reached(projectId: string, stage: PipelineStage): Promise<void> {
      return arrival(key(projectId, stage)).promise;
    },
  };
}
