/**
 * The bench's last line of clean-up, in a process of its own session (so Ctrl-C, which reaches
 * the whole foreground process group, does not reach it). The orchestrator tells it what to
 * remove; if the orchestrator then goes away without saying `done` (killed, or killed by a
 * wrapper such as tsx's signal relay), this drops the bench database, stops an embedded
 * PostgreSQL left running and deletes the temporary folder.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

interface Job {
  adminUrl?: string;
  database?: string;
  embeddedDataDir?: string;
  tmpDir?: string;
}

let job: Job = {};
let done = false;

process.on('message', (msg: { type: string; job?: Job }) => {
  if (msg.type === 'job') job = { ...job, ...msg.job };
  if (msg.type === 'done') {
    done = true;
    process.exit(0);
  }
});
process.on('disconnect', () => {
  if (process.env.BENCH_DEBUG) console.error('janitor: orchestrator gone', done ? '(done)' : '(cleaning)', JSON.stringify(job));
  if (!done) void clean().finally(() => process.exit(0));
});
process.on('SIGINT', () => undefined);

async function clean(): Promise<void> {
  if (job.adminUrl && job.database) {
    const client = new pg.Client({ connectionString: job.adminUrl, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query(`drop database if exists ${job.database} with (force)`);
    } catch {
      // the server may be the embedded one, already gone: nothing left to drop
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (job.embeddedDataDir) stopPostmaster(path.join(job.embeddedDataDir, 'postmaster.pid'));
  if (job.tmpDir) rmSync(job.tmpDir, { recursive: true, force: true });
}

function stopPostmaster(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT'); // PostgreSQL's fast shutdown
  } catch {
    return;
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}
