import type { PipelineStage } from '../../../src/entities/index.js';
import { createCmaStages } from '../../../src/services/pipeline/stages/index.js';
import type { Stage } from '../../../src/services/pipeline/stage.js';
import { deferred, type Deferred } from '../deferred.js';

/**
 * The real CMA stages, each of which the test can hold for one project before it does its
 * work (`hold`), to keep a run active on a server for as long as a test needs, and watch
 * (`entered`, `ended`). Unheld stages are exactly the production ones. A held stage gives way
 * to the run's abort signal.
 */
export function createHoldableStages(options: Parameters<typeof createCmaStages>[0]) {
  const holds = new Map<string, Deferred<void>>();
  const entered = new Map<string, Deferred<void>>();
  const ended = new Map<string, Deferred<void>>();
  const key = (projectId: string, stage: PipelineStage) => `${projectId}:${stage}`;
  const once = (map: Map<string, Deferred<void>>, k: string) => {
    let d = map.get(k);
    if (!d) map.set(k, (d = deferred<void>()));
    return d;
  };

  const stages: Stage[] = createCmaStages(options).map((stage) => ({
    ...stage,
    async run(ctx) {
      const k = key(ctx.projectId, stage.name);
      once(entered, k).resolve();
      try {
        const hold = holds.get(k);
        if (hold) {
          const aborted = new Promise<never>((_, reject) => {
            ctx.signal.addEventListener('abort', () => reject(new Error(`aborted: ${String(ctx.signal.reason)}`)), { once: true });
          });
          aborted.catch(() => undefined);
          await Promise.race([hold.promise, aborted]);
        }
        return await stage.run(ctx);
      } finally {
        once(ended, k).resolve();
      }
    },
  }));

  return {
    stages,
    /** The next run of `stage` for `projectId` waits until `release`. */
    hold(projectId: string, stage: PipelineStage): void {
      holds.set(key(projectId, stage), deferred<void>());
    },
    release(projectId: string, stage: PipelineStage): void {
      const k = key(projectId, stage);
      holds.get(k)?.resolve();
      holds.delete(k);
    },
    /** Resolves once `stage` has started for `projectId` (at once if it already has). */
    entered(projectId: string, stage: PipelineStage): Promise<void> {
      return once(entered, key(projectId, stage)).promise;
    },
    /** Resolves once a run of `stage` for `projectId` has returned or thrown. */
    ended(projectId: string, stage: PipelineStage): Promise<void> {
      return once(ended, key(projectId, stage)).promise;
    },
  };
}
