// `npm start`: the service as the container runs it, compiled (`dist/main.js`, no tsx in the
// process), built first when dist/ is missing or older than one of its sources. Plain
// JavaScript: it needs no loader. `npm run dev` runs the source through tsx with reload instead.
//
// Why compiled (README, "Run it" and "Production build"): tsx's loader thread costs ~45 MB of
// idle memory, and each pipeline worker thread compiled its job's TypeScript before it could
// start (a first run took ~0.8 s through tsx, ~0.3 s compiled).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { staleReason, withBuildLock } from './build-freshness.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entry = path.join(root, 'dist/main.js');

if (staleReason(root, entry)) {
  // Another `npm start` may be building right now: one builds, the others wait and re-check.
  await withBuildLock(path.join(root, '.dist-build.lock'), () => {
    const stale = staleReason(root, entry);
    if (!stale) return;
    console.error(`npm start: building dist/ (${stale === 'missing' ? 'first start' : stale}), about 10 s…`);
    // Its output on stderr: stdout carries only the service's JSON log lines.
    execFileSync(process.execPath, [path.join(root, 'src/scripts/build.mjs')], { stdio: ['ignore', 2, 2], cwd: root });
  });
}
await import(pathToFileURL(entry).href);
