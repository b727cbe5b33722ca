// Whether `dist/` must be built again before `npm start` runs it. Plain JavaScript (no loader).
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

/** What a build compiles from: a change to any of these makes dist/ stale. */
export const BUILD_INPUTS = { dirs: ['src', 'migrations'], files: ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'] };

/** The newest file under `dir` (recursively), or null when there is none. */
function newestUnder(dir) {
  let best = null;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  for (const item of entries) {
    const full = path.join(dir, item.name);
    const candidate = item.isDirectory() ? newestUnder(full) : { file: full, mtimeMs: statSync(full).mtimeMs };
    if (candidate && (!best || candidate.mtimeMs > best.mtimeMs)) best = candidate;
  }
  return best;
}

/**
 * Why the build at `entry` (dist/main.js, written last by the build) is stale: `'missing'`, or
 * the input file newer than it (relative to `root`); null when it is up to date.
 */
export function staleReason(root, entry, inputs = BUILD_INPUTS) {
  let builtAt;
  try {
    builtAt = statSync(entry).mtimeMs;
  } catch {
    return 'missing';
  }
  const candidates = inputs.dirs.map((dir) => newestUnder(path.join(root, dir)));
  for (const file of inputs.files) {
    try {
      candidates.push({ file: path.join(root, file), mtimeMs: statSync(path.join(root, file)).mtimeMs });
    } catch {
      // not every project file need exist (package-lock.json before the first install)
    }
  }
  const newer = candidates.filter((c) => c && c.mtimeMs > builtAt).sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
  return newer ? `changed: ${path.relative(root, newer.file)}` : null;
}

/**
 * Runs `fn` while holding a lock directory (`mkdir` is atomic): two `npm start`s at once (an API
 * and a worker started together) must not both rebuild dist/, each deleting the other's output.
 * The one that waited checks again afterwards (`fn` decides whether a build is still due). A
 * lock older than `staleMs` was left by a build that died, and is taken over.
 */
export async function withBuildLock(lockDir, fn, { staleMs = 5 * 60_000, pollMs = 200 } = {}) {
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let age = 0;
      try {
        age = Date.now() - statSync(lockDir).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > staleMs) rmSync(lockDir, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
