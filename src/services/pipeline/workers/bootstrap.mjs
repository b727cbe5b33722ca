// Plain-JS entry of every pipeline worker thread. Node 20 does not apply the parent's
// `--import tsx` loader inside worker threads, so the job's TypeScript loads through tsx's API.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.module, import.meta.url);
