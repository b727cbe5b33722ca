import { describe, expect, it } from 'vitest';
import type { Checkpoints, StageContext } from '../../src/services/pipeline/stage.js';
import { createCmaStages } from '../../src/services/pipeline/stages/index.js';

// A stage's `checkpoint` lets the runner decide in SQL what its isCheckpointed decides in JS
// (run-context.ts): the two must agree on every combination of checkpoints.
describe('the CMA stages\' declared checkpoints', () => {
  const stages = createCmaStages({ reviewThreshold: 0.75, databaseUrl: 'postgres://unused' });
  const digest = 'a'.repeat(64);
  const values = [null, digest, 'b'.repeat(64)];

  it('match isCheckpointed for every combination of checkpoints', async () => {
    for (const stage of stages) {
      if (!stage.isCheckpointed) {
        expect(stage.checkpoint, stage.name).toBeUndefined();
        continue;
      }
      expect(stage.checkpoint, `${stage.name} declares no checkpoint`).toBeDefined();
      for (const extractedDigest of values) {
        for (const classifiedDigest of values) {
          const checkpoints: Checkpoints = { extractedDigest, classifiedDigest };
          const ctx = { checkpoints, documentsDigest: digest, restart: false } as unknown as StageContext;
          expect(await stage.isCheckpointed(ctx), `${stage.name} ${JSON.stringify(checkpoints)}`).toBe(checkpoints[stage.checkpoint!] === digest);
        }
      }
    }
  });
});
