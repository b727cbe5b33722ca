/**
 * Worker thread of EXTRACT: reads one document, parses and checks it, and sends back COPY text
 * chunks, so the CPU of parsing never runs on the server's event loop. One chunk in flight at a
 * time: the worker waits for the parent's `next` before sending another (back-pressure).
 */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { copyValue } from '../../../database/sql.js';
import { DocumentFormatError, readLineItems } from '../../cma/csv-reader.js';
import type { ExtractJob, WorkerMessage } from './extract-protocol.js';

const job = workerData as ExtractJob;
const port = parentPort!;
let credit = 0;
let waiting: (() => void) | null = null;
port.on('message', (msg: 'next') => {
  if (msg !== 'next') return;
  credit += 1;
  waiting?.();
});
const send = (message: WorkerMessage) => port.postMessage(message);
const turn = () => (credit > 0 ? Promise.resolve() : new Promise<void>((resolve) => (waiting = resolve)));

async function main(): Promise<void> {
  let bytes = 0;
  let rows = 0;
  const prefix = `${job.projectId}\t${job.documentId}\t`;
  const source = createReadStream(job.path, { highWaterMark: 64 * 1024 });
  try {
    for await (const batch of readLineItems(source, { documentName: job.documentName, batchSize: job.batchSize, onBytes: (b) => (bytes = b) })) {
      let text = '';
      for (const item of batch) {
        text += `${prefix}${item.row}\t${item.fiscalYear}\t${item.statement}\t${copyValue(item.label)}\t${item.amountPaise}\n`;
      }
      rows += batch.length;
      await turn();
      credit -= 1;
      waiting = null;
      send({ type: 'chunk', text, bytes });
    }
    send({ type: 'done', rows, bytes });
  } catch (err) {
    if (err instanceof DocumentFormatError) send({ type: 'format-error', message: err.message });
    else send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  } finally {
    source.destroy();
  }
}

void main();
