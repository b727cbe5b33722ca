/**
 * EXTRACT's work, in a worker thread: every document of the project streamed (from the
 * database), parsed and checked, each row classified as it is read (the firm's remembered
 * labels first, as CLASSIFY would) and COPYed into line_items with its head, the old rows
 * replaced and the checkpoint moved, all in one transaction: a bad row anywhere leaves the
 * previous line items as they were. The checkpoint records the labels version and threshold
 * the rows were classified with, so CLASSIFY need not write them a second time. The paise per
 * year and head of the rows written go back with the result (the later stages' totals).
 */
import type pg from 'pg';
import { copyValue } from '../../../database/sql.js';
import { DocumentFormatError } from '../../cma/csv-reader.js';
import { readStatementItems } from '../../cma/statement-reader.js';
import { DocumentUnavailableError, readDocumentBytes } from '../../storage/document-chunks.js';
import { loadFirmClassifiers } from './firm-classifiers.js';
import { runJob, UserFacingError } from './worker-kit.js';

export interface ExtractJob {
  projectId: string;
  firmId: string;
  digest: string;
  reviewThreshold: number;
  documents: { id: string; filename: string; sizeBytes: number }[];
  batchSize: number;
}

runJob<ExtractJob>(async ({ job, client, progress, copy, databaseUrl }) => {
  const totalBytes = job.documents.reduce((sum, d) => sum + d.sizeBytes, 0) || 1;
  let doneBytes = 0;
  let items = 0;
  const started = performance.now();
  // What VALIDATE and GENERATE would aggregate from the rows: the paise per year and head.
  const sums = new Map<string, { fiscalYear: number; head: string; paise: bigint }>();
  const firm = await loadFirmClassifiers(client, job.firmId, job.reviewThreshold);
  await lockParents(client, job);
  await client.query('delete from line_items where project_id = $1', [job.projectId]);
  for (const doc of job.documents) {
    // Its own connection: this job's `client` is busy with the COPY this stream feeds.
    const source = readDocumentBytes(databaseUrl, doc);
    const prefix = `${job.projectId}\t${doc.id}\t`;
    async function* lines(): AsyncGenerator<string> {
      const batches = readStatementItems(source, {
        documentName: doc.filename,
        batchSize: job.batchSize,
        onBytes: (bytes) => progress((doneBytes + bytes) / totalBytes),
      });
      for await (const batch of batches) {
        let text = '';
        for (const item of batch) {
          const c = firm.classify(item.label, item.statement);
          if (c.head !== null) {
            const key = `${item.fiscalYear}\t${c.head}`;
            const sum = sums.get(key);
            if (sum) sum.paise += item.amountPaise;
            else sums.set(key, { fiscalYear: item.fiscalYear, head: c.head, paise: item.amountPaise });
          }
          text += `${prefix}${item.row}\t${item.fiscalYear}\t${item.statement}\t${copyValue(item.label)}\t${item.amountPaise}\t${c.head ?? '\\N'}\t${c.confidence}\t${c.needsReview ? 't' : 'f'}\n`;
        }
        yield text;
      }
    }
    try {
      items += await copy(
        'copy line_items (project_id, document_id, row_number, fiscal_year, statement, label, amount_paise, head, confidence, needs_review) from stdin',
        lines(),
      );
    } catch (err) {
      if (err instanceof DocumentFormatError || err instanceof DocumentUnavailableError) throw new UserFacingError(err.message);
      throw err;
    } finally {
      source.destroy();
    }
    doneBytes += doc.sizeBytes;
  }
  // The checkpoint moves with the rows: CLASSIFY's earlier result no longer applies to them, and
  // this classification holds while the firm's labels stay at the version recorded here.
  await client.query(
    `update cma_projects set extracted_digest = $2, classified_digest = null, extracted_labels_version = $3, extracted_review_threshold = $4
     where id = $1`,
    [job.projectId, job.digest, firm.labelsVersion, job.reviewThreshold],
  );
  const totals = [...sums.values()].map((s) => [s.fiscalYear, s.head, s.paise.toString()]);
  return { items, bytes: doneBytes, labelsVersion: firm.labelsVersion, workerMs: Math.round(performance.now() - started), totals };
});

/**
 * The rows the items will belong to, locked as a foreign key would lock them (`for key share`)
 * for the rest of this transaction, once instead of per item (line_items has no foreign keys:
 * migration …180000): a project or document deleted meanwhile waits for this run's commit (and
 * then takes its items with it); one deleted already fails the stage saying which.
 */
async function lockParents(client: pg.Client, job: ExtractJob): Promise<void> {
  const { rows: project } = await client.query('select id from cma_projects where id = $1 for key share', [job.projectId]);
  if (project.length === 0) throw new UserFacingError('the project was deleted while it was being processed');
  const { rows: found } = await client.query<{ id: string }>('select id from documents where project_id = $1 and id = any($2::uuid[]) for key share', [
    job.projectId,
    job.documents.map((d) => d.id),
  ]);
  const kept = new Set(found.map((row) => row.id));
  const gone = job.documents.filter((d) => !kept.has(d.id));
  if (gone.length > 0) {
    throw new UserFacingError(`${gone.map((d) => d.filename).join(', ')} ${gone.length === 1 ? 'was' : 'were'} removed from the project while it was being processed; start processing again`);
  }
}
