import type { Sql } from '../../database/sql.js';
import { documentsDigest } from './digest.js';
import type { StageRow } from './run-store.js';
import type { Checkpoints, RunDocument } from './stage.js';

/** What an execution of a run needs to know before its first stage, read in one statement. */
export interface RunContext {
  stages: StageRow[];
  /** The project's documents in upload order, the ones `documentsDigest` covers. */
  documents: RunDocument[];
  documentsDigest: string;
  checkpoints: Checkpoints;
}

// One statement, so the stage rows, the documents, the digest over them and the checkpoints
// are one snapshot: EXTRACT reads exactly the documents its checkpoint is keyed on. Scalar
// subqueries only, so a vanished project still gives a row (its run then fails on its lease
// guard, as before).
const RUN_CONTEXT_SQL = `select
  coalesce((select json_agg(json_build_object('stage', stage, 'status', status, 'progress', progress) order by position)
            from pipeline_stage_runs where run_id = $1), '[]') as stages,
  coalesce((select json_agg(d order by d.id)
            from (select id, sha256, filename, size_bytes as "sizeBytes",
                         row_number() over (order by uploaded_at, id) as "uploadRank"
                  from documents where project_id = $2) d), '[]') as documents,
  (select extracted_digest from cma_projects where id = $2) as "extractedDigest",
  (select classified_digest from cma_projects where id = $2) as "classifiedDigest"`;

interface Row {
  stages: StageRow[];
  documents: (RunDocument & { sha256: string; uploadRank: number })[];
  extractedDigest: string | null;
  classifiedDigest: string | null;
}

export async function loadRunContext(sql: Sql, runId: string, projectId: string): Promise<RunContext> {
  const [row] = await sql.query<Row>(RUN_CONTEXT_SQL, [runId, projectId]);
  if (!row) throw new Error('the run context query returned no row'); // it always returns one
  const byId = row.documents; // ordered by id, as the digest requires
  return {
    stages: row.stages,
    documents: [...byId]
      .sort((a, b) => a.uploadRank - b.uploadRank)
      .map(({ id, filename, sizeBytes }) => ({ id, filename, sizeBytes })),
    documentsDigest: documentsDigest(byId),
    checkpoints: { extractedDigest: row.extractedDigest, classifiedDigest: row.classifiedDigest },
  };
}
