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
 * otherwise wait for every time. Each worker runs one job; when a job takes its worker, the
 * spare for the next job of its kind starts loading (a kind never taken has none). Spares are
 * unref'd: they never keep the process alive. A spare not taken within `SPARE_IDLE_MS` while
 * no job of its kind runs is retired: each is an isolate with its modules loaded (tens of MB of RSS), which a server that
 * has stopped processing should not hold; the next job starts its own.
 */
const spares = new Map<string, Worker>();
const retirements = new WeakMap<Worker, NodeJS.Timeout>();
const SPARE_IDLE_MS = 60_000;

/** Jobs of each kind running now: a spare is not retired while its kind is at work. */
const running = new Map<string, number>();

function retire(key: string, spare: Worker): void {
  if (spares.get(key) !== spare) return;
  if ((running.get(key) ?? 0) > 0) return armRetirement(key, spare);
  spares.delete(key);
  void spare.terminate();
}

function armRetirement(key: string, spare: Worker): void {
  const timer = setTimeout(retire, SPARE_IDLE_MS, key, spare);
  timer.unref();
  retirements.set(spare, timer);
}

/** What a worker is started with (bootstrap.mjs reads it before loading the job module). */
interface WorkerKind {
  module: string;
  /** Nice value of the worker's thread (Linux); 0: the process's own. */
  nice: number;
}

const keyOf = (kind: WorkerKind) => `${kind.nice} ${kind.module}`;

function startWorker(kind: WorkerKind): Worker {
  return new Worker(BOOTSTRAP, { workerData: kind });
}

function startSpare(kind: WorkerKind): void {
  const key = keyOf(kind);
  const spare = startWorker(kind);
  spare.unref();
  // A spare that dies before it is taken is simply not used.
  spare.once('error', () => undefined);
  spare.once('exit', () => spares.get(key) === spare && spares.delete(key));
  spares.set(key, spare);
  armRetirement(key, spare);
}

function takeWorker(kind: WorkerKind): Worker {
  const key = keyOf(kind);
  const worker = spares.get(key) ?? startWorker(kind);
  spares.delete(key);
  clearTimeout(retirements.get(worker));
  running.set(key, (running.get(key) ?? 0) + 1);
  worker.once('exit', () => running.set(key, (running.get(key) ?? 1) - 1));
  worker.ref();
  // The next job's worker loads now, while this one works. Started when this one exited (as
  // before), it was still loading when the next job, already waiting for the slot, took it:
  // 4-5 s per EXTRACT in the busy bench.
  startSpare(kind);
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
  opts: { signal: AbortSignal; onProgress: (fraction: number) => void; nice?: number },
): Promise<Record<string, unknown>> {
  opts.signal.throwIfAborted();
  const input: WorkerInput<T> = { databaseUrl, job };
  const worker = takeWorker({ module: moduleUrl.href, nice: opts.nice ?? 0 });
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
