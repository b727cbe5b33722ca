import type { Sql } from '../../database/sql.js';
import type { PipelineStage } from '../../entities/index.js';
import type { ProjectStatusEvent } from '../pubsub.js';
import { documentsDigest } from './digest.js';
import { paramList, stageGuard, transitionCtes, TRANSITION_EVENT_COLUMNS, type StageRow } from './run-store.js';
import type { Checkpoints, RunDocument } from './stage.js';

/** What an execution of a run needs to know before its first stage, read in one statement. */
export interface RunContext {
  stages: StageRow[];
  /** The project's documents in upload order, the ones `documentsDigest` covers. */
  documents: RunDocument[];
  documentsDigest: string;
  checkpoints: Checkpoints;
}

/**
 * The first stage's RUNNING step, to take in the statement that reads the context when SQL can
 * decide it: only if no stage of the run is DONE or SKIPPED yet (so `stage` is the first to run
 * and the run's progress is 0), the lease is held, and, unless `checkpoint` is null, the
 * project's `checkpoint` digest differs from the documents' digest (the stage is not SKIPPED).
 */
export interface FirstStep {
  stage: PipelineStage;
  owner: string;
  progress: number;
  message: string;
  /** The checkpoint that would let the stage be SKIPPED (`Stage.checkpoint`); null: none applies. */
  checkpoint: keyof Checkpoints | null;
}

// Scalar subqueries only, so a vanished project still gives a row (its run then fails on its
// lease guard, as before). The digest is taken here too, over the same snapshot, exactly as
// digest.ts takes it (id:sha256\n per document in id order, sha256, hex), for `FirstStep`'s
// checkpoint test; the run uses the one digest.ts computes from `documents`.
const CONTEXT_CTE = (run: string, project: string) => `c as (select
  coalesce((select json_agg(json_build_object('stage', stage, 'status', status, 'progress', progress) order by position)
            from pipeline_stage_runs where run_id = ${run}), '[]') as stages,
  d.documents, d.digest,
  (select extracted_digest from cma_projects where id = ${project}) as "extractedDigest",
  (select classified_digest from cma_projects where id = ${project}) as "classifiedDigest",
  not exists (select 1 from pipeline_stage_runs where run_id = ${run} and status in ('DONE', 'SKIPPED')) as fresh
  from (select coalesce(json_agg(x order by x.id), '[]') as documents,
               encode(sha256(convert_to(coalesce(string_agg(x.id::text || ':' || x.sha256 || E'\\n', '' order by x.id), ''), 'UTF8')), 'hex') as digest
        from (select id, sha256, filename, size_bytes as "sizeBytes",
                     row_number() over (order by uploaded_at, id) as "uploadRank"
              from documents where project_id = ${project}) x) d)`;

const RUN_CONTEXT_SQL = `with ${CONTEXT_CTE('$1::uuid', '$2::uuid')} select * from c`;

const CHECKPOINT_COLUMNS: Record<keyof Checkpoints, string> = {
  extractedDigest: '"extractedDigest"',
  classifiedDigest: '"classifiedDigest"',
};

interface Row {
  stages: StageRow[];
  documents: (RunDocument & { sha256: string; uploadRank: number })[];
  digest: string;
  extractedDigest: string | null;
  classifiedDigest: string | null;
  fresh: boolean;
}

/**
 * Reads the run's context in one statement, so the stage rows, the documents, the digest over
 * them and the checkpoints are one snapshot: EXTRACT reads exactly the documents its checkpoint
 * is keyed on. With `first`, the same statement also takes that stage's RUNNING step if it can
 * (see `FirstStep`); `started` is then its stored event, else null (nothing was written).
 */
export async function loadRunContext(
  sql: Sql,
  runId: string,
  projectId: string,
  first?: FirstStep,
): Promise<RunContext & { started: ProjectStatusEvent | null }> {
  let row: (Row & Partial<ProjectStatusEvent>) | undefined;
  if (!first) {
    [row] = await sql.query<Row>(RUN_CONTEXT_SQL, [runId, projectId]);
  } else {
    const { params, param } = paramList();
    const run = `${param(runId)}::uuid`;
    const project = `${param(projectId)}::uuid`;
    const when = first.checkpoint
      ? `(select fresh and ${CHECKPOINT_COLUMNS[first.checkpoint]} is distinct from digest from c)`
      : '(select fresh from c)';
    const ctes = transitionCtes(
      projectId,
      { status: 'PROCESSING', currentStage: first.stage, progress: first.progress },
      { runId, message: first.message },
      param,
      (p) => `${CONTEXT_CTE(run, project)}, ${stageGuard(runId, first.owner, first.stage, 'RUNNING', 0, when)(p)}`,
    );
    [row] = await sql.query<Row & Partial<ProjectStatusEvent>>(
      `with ${ctes} select c.*, ev.* from c left join (select ${TRANSITION_EVENT_COLUMNS} from e, p) ev on true`,
      params,
    );
  }
  if (!row) throw new Error('the run context query returned no row'); // it always returns one
  const { stages, documents: byId, extractedDigest, classifiedDigest, digest: _sqlDigest, fresh: _fresh, ...event } = row;
  // byId is ordered by id, as the digest requires.
  return {
    stages,
    documents: [...byId]
      .sort((a, b) => a.uploadRank - b.uploadRank)
      .map(({ id, filename, sizeBytes }) => ({ id, filename, sizeBytes })),
    documentsDigest: documentsDigest(byId),
    checkpoints: { extractedDigest, classifiedDigest },
    started: event.stored ? (event as ProjectStatusEvent) : null,
  };
}
