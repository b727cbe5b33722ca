import { Worker } from 'node:worker_threads';
import { StageError } from '../stage.js';
import type { ExtractJob, WorkerMessage } from './extract-protocol.js';

const WORKER_URL = new URL('./extract-worker.mjs', import.meta.url);

/**
 * Parses one document in a worker thread and yields its COPY text chunks. A bad row becomes a
 * StageError with the reader's message (document, row, column); `signal` stops the worker.
 */
export async function* extractInWorker(
  job: ExtractJob,
  opts: { signal: AbortSignal; onBytes: (bytes: number) => void },
): AsyncGenerator<string> {
  const worker = new Worker(WORKER_URL, { workerData: job });
  const inbox: WorkerMessage[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  worker.on('message', (m: WorkerMessage) => {
    inbox.push(m);
    wake?.();
  });
  worker.on('error', (err) => {
    failure = err;
    wake?.();
  });
  worker.on('exit', (code) => {
    if (code !== 0 && !failure) failure = new Error(`extract worker exited with code ${code}`);
    wake?.();
  });
  const onAbort = () => void worker.terminate();
  opts.signal.addEventListener('abort', onAbort, { once: true });
  try {
    worker.postMessage('next');
    while (true) {
      opts.signal.throwIfAborted();
      const message = inbox.shift();
      if (!message) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        continue;
      }
      if (message.type === 'chunk') {
        opts.onBytes(message.bytes);
        worker.postMessage('next');
        yield message.text;
      } else if (message.type === 'done') {
        opts.onBytes(message.bytes);
        return;
      } else if (message.type === 'format-error') {
        throw new StageError(message.message);
      } else {
        throw new Error(`extract worker failed: ${message.message}`);
      }
    }
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}
