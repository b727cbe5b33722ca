import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parentPort } from 'node:worker_threads';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { WorkerInput, WorkerMessage } from './protocol.js';

/** Worker side: the job's input, a connection, and how to report. */
export interface JobKit<T> {
  job: T;
  client: pg.Client;
  /** For a job that needs a second connection (reading document bytes while COPYing rows). */
  databaseUrl: string;
  progress(fraction: number): void;
  copy(text: string, rows: AsyncIterable<string> | Iterable<string>): Promise<number>;
}

/** Thrown inside a job for a failure the user should read as is (a bad row). */
export class UserFacingError extends Error {}

/**
 * Waits for the job's input from the parent (a worker may be started, with its modules loaded,
 * before there is a job for it), then runs `body` in one transaction on the worker's own
 * connection and reports the outcome. Progress reports are throttled here (the parent
 * throttles publishing again).
 */
export function runJob<T>(body: (kit: JobKit<T>) => Promise<Record<string, unknown>>): void {
  parentPort!.once('message', (input: WorkerInput<T>) => start(input, body));
}

function start<T>(input: WorkerInput<T>, body: (kit: JobKit<T>) => Promise<Record<string, unknown>>): void {
  const port = parentPort!;
  const send = (m: WorkerMessage) => port.postMessage(m);
  const client = new pg.Client({ connectionString: input.databaseUrl, application_name: 'cma-pipeline-worker' });
  let lastProgress = 0;
  const kit: JobKit<T> = {
    job: input.job,
    client,
    databaseUrl: input.databaseUrl,
    progress(fraction) {
      const now = Date.now();
      if (now - lastProgress < 50 && fraction < 1) return;
      lastProgress = now;
      send({ type: 'progress', fraction });
    },
    async copy(text, rows) {
      const stream = client.query(copyFrom(text));
      await pipeline(Readable.from(rows, { objectMode: false }), stream);
      return stream.rowCount;
    },
  };
  void (async () => {
    try {
      await client.connect();
      await client.query('begin');
      const result = await body(kit);
      await client.query('commit');
      send({ type: 'done', result });
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      const message = err instanceof Error ? err.message : String(err);
      send({ type: 'failed', message, expose: err instanceof UserFacingError });
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
}
