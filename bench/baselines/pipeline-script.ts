/**
 * Baseline of the pipeline scenario: the least a correct pipeline must do with the file. Streams
 * it, parses it with the service's own reader, classifies every row with the service's own
 * classifier and head table, and COPYs the classified rows into `line_items` (same table, same
 * indexes) in one statement. Nothing else: no stage bookkeeping, no events, no validation.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createClassifier } from '../../src/services/cma/classifier.js';
import { readLineItems } from '../../src/services/cma/csv-reader.js';
import { serveParent } from '../lib/ipc.js';

interface Spec {
  databaseUrl: string;
  file: string;
  projectId: string;
  documentId: string;
  reviewThreshold: number;
}

const escapeCopy = (text: string) => text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);

async function run(spec: Spec) {
  const client = new pg.Client({ connectionString: spec.databaseUrl });
  await client.connect(); // not timed: the service's pool is connected too
  try {
    const began = performance.now();
    const classifier = createClassifier({ reviewThreshold: spec.reviewThreshold });
    let rows = 0;
    let needsReview = 0;
    async function* copyText() {
      const source = createReadStream(spec.file, { highWaterMark: 256 * 1024 });
      for await (const batch of readLineItems(source, { documentName: 'bench.csv', batchSize: 5000 })) {
        let text = '';
        for (const item of batch) {
          const c = classifier.classify(item.label, item.statement);
          if (c.needsReview) needsReview += 1;
          text += `${spec.projectId}\t${spec.documentId}\t${item.row}\t${item.fiscalYear}\t${item.statement}\t${escapeCopy(item.label)}\t${item.amountPaise}\t${c.head ?? '\\N'}\t${c.confidence}\t${c.needsReview ? 't' : 'f'}\n`;
        }
        rows += batch.length;
        yield text;
      }
    }
    await pipeline(
      Readable.from(copyText()),
      client.query(
        copyFrom(
          'copy line_items (project_id, document_id, row_number, fiscal_year, statement, label, amount_paise, head, confidence, needs_review) from stdin',
        ),
      ),
    );
    return { ms: performance.now() - began, rows, needsReview };
  } finally {
    await client.end();
  }
}

serveParent({ run: (spec: Spec) => run(spec) });
