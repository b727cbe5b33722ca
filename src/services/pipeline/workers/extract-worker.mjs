// Plain-JS entry of the extract worker: Node 20 does not apply the parent's `--import tsx`
// loader inside worker threads, so the worker loads its TypeScript through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./extract-worker.ts', import.meta.url);
