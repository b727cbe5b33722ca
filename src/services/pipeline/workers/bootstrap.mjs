// Plain-JS entry of every pipeline worker thread. Compiled (`node dist/main.js`), the job is
// a .js module and is imported as is. From source (`npm start`), Node 20 does not apply the
// parent's `--import tsx` loader inside worker threads, so the job's TypeScript loads through
// tsx's API, imported only then.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';

// Linux keeps a nice value per thread: this worker's, raised (a lower priority), lets the
// server's main thread (requests, events, heartbeats) take a core first whenever both want one,
// while the worker still gets every cycle the main thread leaves. Elsewhere (no
// /proc/thread-self) the priority is left alone: setting it there would apply to the process.
if (workerData.nice > 0) {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), workerData.nice);
  } catch {
    // not Linux, or not allowed: run at the process's priority
  }
}

if (workerData.module.endsWith('.ts')) {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport(workerData.module, import.meta.url);
} else {
  await import(workerData.module);
}
