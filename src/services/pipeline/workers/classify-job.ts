/**
 * CLASSIFY's full pass, in a worker thread (run when EXTRACT's own classification no longer
 * holds, see stages/classify.ts): every line item of the project read in pages,
 * classified (the firm's remembered labels first, one classifier per statement), the results
 * COPYed into a temporary table and applied with ONE update, with the checkpoint, in one
 * transaction. Only rows whose classification changed are written: after a firm taught a
 * label, the rows that label matches (EXTRACT classified the rest the same way already).
 */
import type { Statement } from '../../cma/fields.js';
import { loadFirmClassifiers } from './firm-classifiers.js';
import { runJob } from './worker-kit.js';

export interface ClassifyJob {
  projectId: string;
  firmId: string;
  digest: string;
  reviewThreshold: number;
  batchSize: number;
}

runJob<ClassifyJob>(async ({ job, client, progress, copy }) => {
  const firm = await loadFirmClassifiers(client, job.firmId, job.reviewThreshold);
  const { rows: [{ total = 0 } = {}] } = await client.query<{ total: number }>(
    'select count(*)::int as total from line_items where project_id = $1',
    [job.projectId],
  );
  await client.query('create temporary table classified (id bigint, head text, confidence float8, needs_review bool) on commit drop');
  const started = performance.now();
  let done = 0;
  let after = '0';
  while (true) {
    const { rows: items } = await client.query<{ id: string; statement: Statement; label: string }>(
      'select id, statement, label from line_items where project_id = $1 and id > $2 order by id limit $3',
      [job.projectId, after, job.batchSize],
    );
    if (items.length === 0) break;
    let chunk = '';
    for (const item of items) {
      const r = firm.classify(item.label, item.statement);
      chunk += `${item.id}\t${r.head ?? '\\N'}\t${r.confidence}\t${r.needsReview}\n`;
    }
    // One COPY per page: the connection cannot run the next SELECT while a COPY is open.
    await copy('copy classified (id, head, confidence, needs_review) from stdin', [chunk]);
    after = items[items.length - 1]!.id;
    done += items.length;
    // Classifying is most of the work; the single update below is the rest.
    progress(total === 0 ? 0.8 : (0.8 * done) / total);
  }
  const classifiedAt = performance.now();
  await client.query(
    `update line_items l set head = c.head, confidence = c.confidence, needs_review = c.needs_review
     from classified c
     where l.id = c.id and (l.head, l.confidence, l.needs_review) is distinct from (c.head, c.confidence, c.needs_review)`,
  );
  await client.query('update cma_projects set classified_digest = $2 where id = $1', [job.projectId, job.digest]);
  return { items: done, classifyMs: Math.round(classifiedAt - started), updateMs: Math.round(performance.now() - classifiedAt) };
});
