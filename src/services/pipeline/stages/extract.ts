import path from 'node:path';
import { StageError, type Stage } from '../stage.js';
import { extractInWorker } from '../workers/extract-in-worker.js';

interface DocumentFile {
  id: string;
  filename: string;
  storageKey: string;
  sizeBytes: string;
}

/**
 * EXTRACT: streams every document of the project into line items (one COPY per document, fed
 * batch by batch) inside ONE transaction: a bad row anywhere rolls back every row written
 * before it, so a failed run leaves the previous line items exactly as they were. Progress is
 * bytes read.
 */
export function extractStage({ dataDir, batchSize = 2000 }: { dataDir: string; batchSize?: number }): Stage {
  return {
    name: 'EXTRACT',
    weight: 55,
    async isCheckpointed(ctx) {
      const rows = await ctx.sql.query<{ digest: string | null }>(
        'select extracted_digest as digest from cma_projects where id = $1',
        [ctx.projectId],
      );
      return rows[0]?.digest === ctx.documentsDigest;
    },
    async run(ctx) {
      const documents = await ctx.sql.query<DocumentFile>(
        `select id, filename, storage_key as "storageKey", size_bytes as "sizeBytes"
         from documents where project_id = $1 order by uploaded_at, id`,
        [ctx.projectId],
      );
      if (documents.length === 0) throw new StageError('the project has no documents; upload a CSV file first');
      const totalBytes = documents.reduce((sum, d) => sum + Number(d.sizeBytes), 0);
      let doneBytes = 0;
      let items = 0;
      await ctx.sql.tx(async (tx) => {
        await tx.query('delete from line_items where project_id = $1', [ctx.projectId]);
        for (const doc of documents) {
          // Parsing runs in a worker thread; this thread only moves its COPY text to PostgreSQL.
          items += await tx.copy(
            'copy line_items (project_id, document_id, row_number, fiscal_year, statement, label, amount_paise) from stdin',
            extractInWorker(
              { path: path.join(dataDir, 'documents', doc.storageKey), documentName: doc.filename, projectId: ctx.projectId, documentId: doc.id, batchSize },
              { signal: ctx.signal, onBytes: (bytes) => ctx.reportProgress((doneBytes + bytes) / totalBytes) },
            ),
          );
          doneBytes += Number(doc.sizeBytes);
        }
        // The checkpoint moves with the rows: CLASSIFY's result no longer applies to them.
        await tx.query('update cma_projects set extracted_digest = $2, classified_digest = null where id = $1', [
          ctx.projectId,
          ctx.documentsDigest,
        ]);
      });
      ctx.logger.info({ documents: documents.length, items, bytes: totalBytes }, 'extracted line items');
    },
  };
}
