import { Worker } from 'node:worker_threads';
import { StageError } from '../stage.js';
import type { WorkerInput, WorkerMessage } from './protocol.js';

const BOOTSTRAP = new URL('./bootstrap.mjs', import.meta.url);
// `.ts` when running from source (tsx), `.js` when compiled (dist/): the jobs are beside us.
const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The URL of a job module in this folder, in the form this process runs (source or compiled). */
export function jobModule(name: 'extract-job' | 'classify-job'): URL {
  return new URL(`./${name}${EXTENSION}`, import.meta.url);
}

/**
 * One started worker per job module, its TypeScript already loaded and waiting for a job:
 * starting a thread and loading a job's modules through tsx takes ~250 ms, which a stage would
 * otherwise wait for every time. Each worker runs one job; when it is gone a spare for the
 * next job of its kind is started (then, not at once, so it does not compete with the job for
 * the CPU). Spares are unref'd: they never keep the process alive. A spare not taken within
 * `SPARE_IDLE_MS` is retired: each is an isolate with its modules loaded (tens of MB of RSS),
 * which a server that has stopped processing should not hold; the next job starts its own.
 */
const spares = new Map<string, Worker>();
const retirements = new WeakMap<Worker, NodeJS.Timeout>();
const SPARE_IDLE_MS = 60_000;

function retire(module: string, spare: Worker): void {
  if (spares.get(module) !== spare) return;
  spares.delete(module);
  void spare.terminate();
}

function startWorker(module: string): Worker {
  return new Worker(BOOTSTRAP, { workerData: { module } });
}

function startSpare(module: string): void {
  const spare = startWorker(module);
  spare.unref();
  // A spare that dies before it is taken is simply not used.
  spare.once('error', () => undefined);
  spare.once('exit', () => spares.get(module) === spare && spares.delete(module));
  spares.set(module, spare);
  const timer = setTimeout(retire, SPARE_IDLE_MS, module, spare);
  timer.unref();
  retirements.set(spare, timer);
}

function takeWorker(module: string): Worker {
  const worker = spares.get(module) ?? startWorker(module);
  spares.delete(module);
  clearTimeout(retirements.get(worker));
  worker.ref();
  worker.once('exit', () => spares.has(module) || startSpare(module));
  return worker;
}

/**
 * Runs a job module in a worker thread with its own database connection, so its CPU work
 * (parsing, classifying, building COPY text) and its I/O never run on the server's event loop.
 * Aborting `signal` terminates the worker; its connection drops and PostgreSQL rolls back its
 * transaction, so a cancelled or timed-out stage leaves nothing half-written.
 */
export function runWorker<T>(
  moduleUrl: URL,
  databaseUrl: string,
  job: T,
  opts: { signal: AbortSignal; onProgress: (fraction: number) => void },
): Promise<Record<string, unknown>> {
  opts.signal.throwIfAborted();
  const input: WorkerInput<T> = { databaseUrl, job };
  const worker = takeWorker(moduleUrl.href);
  worker.postMessage(input);
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => settle(() => reject(opts.signal.reason));
    opts.signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') opts.onProgress(m.fraction);
      else if (m.type === 'done') settle(() => resolve(m.result));
      else settle(() => reject(m.expose ? new StageError(m.message) : new Error(m.message)));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(`worker exited with code ${code} before it finished`))));
  });
}
