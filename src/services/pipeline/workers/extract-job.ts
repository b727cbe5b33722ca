/**
 * EXTRACT's work, in a worker thread: every document of the project streamed (from the
 * database), parsed and checked, its rows COPYed into line_items, the old rows replaced and the
 * checkpoint moved, all in one transaction: a bad row anywhere leaves the previous line items
 * as they were.
 */
import { copyValue } from '../../../database/sql.js';
import { DocumentFormatError, readLineItems } from '../../cma/csv-reader.js';
import { DocumentUnavailableError, readDocumentBytes } from '../../storage/document-chunks.js';
import { runJob, UserFacingError } from './worker-kit.js';

export interface ExtractJob {
  projectId: string;
  digest: string;
  documents: { id: string; filename: string; sizeBytes: number }[];
  batchSize: number;
}

runJob<ExtractJob>(async ({ job, client, progress, copy, databaseUrl }) => {
  const totalBytes = job.documents.reduce((sum, d) => sum + d.sizeBytes, 0) || 1;
  let doneBytes = 0;
  let items = 0;
  await client.query('delete from line_items where project_id = $1', [job.projectId]);
  for (const doc of job.documents) {
    // Its own connection: this job's `client` is busy with the COPY this stream feeds.
    const source = readDocumentBytes(databaseUrl, doc);
    const prefix = `${job.projectId}\t${doc.id}\t`;
    async function* lines(): AsyncGenerator<string> {
      const batches = readLineItems(source, {
        documentName: doc.filename,
        batchSize: job.batchSize,
        onBytes: (bytes) => progress((doneBytes + bytes) / totalBytes),
      });
      for await (const batch of batches) {
        let text = '';
        for (const item of batch) {
          text += `${prefix}${item.row}\t${item.fiscalYear}\t${item.statement}\t${copyValue(item.label)}\t${item.amountPaise}\n`;
        }
        yield text;
      }
    }
    try {
      items += await copy(
        'copy line_items (project_id, document_id, row_number, fiscal_year, statement, label, amount_paise) from stdin',
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
  // The checkpoint moves with the rows: CLASSIFY's result no longer applies to them.
  await client.query('update cma_projects set extracted_digest = $2, classified_digest = null where id = $1', [job.projectId, job.digest]);
  return { items, bytes: doneBytes };
});
