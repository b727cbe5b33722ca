// Plain-JS entry of every pipeline worker thread. Compiled (`node dist/main.js`), the job is
// a .js module and is imported as is. From source (`npm start`), Node 20 does not apply the
// parent's `--import tsx` loader inside worker threads, so the job's TypeScript loads through
// tsx's API, imported only then.
import { workerData } from 'node:worker_threads';

if (workerData.module.endsWith('.ts')) {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport(workerData.module, import.meta.url);
} else {
  await import(workerData.module);
}
