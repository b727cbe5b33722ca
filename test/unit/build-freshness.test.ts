import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { staleReason, withBuildLock } from '../../src/scripts/build-freshness.mjs';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A project tree whose files all date from `at` (seconds since the epoch). */
function project(at: number) {
  const root = mkdtempSync(path.join(tmpdir(), 'build-freshness-'));
  dirs.push(root);
  const files = ['src/main.ts', 'src/services/deep/stage.ts', 'migrations/Migration1.ts', 'package.json', 'tsconfig.json'];
  for (const file of files) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), '');
    utimesSync(path.join(root, file), at, at);
  }
  return root;
}
const touch = (file: string, at: number) => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '');
  utimesSync(file, at, at);
};

describe('npm start: is dist/ stale?', () => {
  it('builds when there is no build yet', () => {
    const root = project(1_000);
    expect(staleReason(root, path.join(root, 'dist/main.js'))).toBe('missing');
  });

  it('runs the build as it is when it is newer than every source', () => {
    const root = project(1_000);
    touch(path.join(root, 'dist/main.js'), 2_000);
    expect(staleReason(root, path.join(root, 'dist/main.js'))).toBeNull();
  });

  it('names the newest source changed since the build, however deep, and the project files too', () => {
    const root = project(1_000);
    const entry = path.join(root, 'dist/main.js');
    touch(entry, 2_000);
    touch(path.join(root, 'src/services/deep/stage.ts'), 3_000);
    touch(path.join(root, 'migrations/Migration1.ts'), 2_500);
    expect(staleReason(root, entry)).toBe(`changed: ${path.join('src', 'services', 'deep', 'stage.ts')}`);
    touch(entry, 4_000);
    expect(staleReason(root, entry)).toBeNull();
    touch(path.join(root, 'tsconfig.json'), 5_000);
    expect(staleReason(root, entry)).toBe('changed: tsconfig.json');
  });
});

describe('npm start: two at once build once', () => {
  it('lets one build while the other waits, then runs the waiter, and releases the lock', async () => {
    const root = project(1_000);
    const lock = path.join(root, '.dist-build.lock');
    const log: string[] = [];
    const build = (who: string) => async () => {
      log.push(`${who} in`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      log.push(`${who} out`);
      return who;
    };
    const results = await Promise.all([withBuildLock(lock, build('a'), { pollMs: 5 }), withBuildLock(lock, build('b'), { pollMs: 5 })]);
    expect(results).toEqual(['a', 'b']);
    expect(log).toEqual(['a in', 'a out', 'b in', 'b out']);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock left by a build that died, and releases the lock when the build fails', async () => {
    const root = project(1_000);
    const lock = path.join(root, '.dist-build.lock');
    mkdirSync(lock);
    utimesSync(lock, 1_000, 1_000);
    await expect(withBuildLock(lock, () => { throw new Error('tsc failed'); }, { staleMs: 60_000, pollMs: 5 })).rejects.toThrow('tsc failed');
    expect(existsSync(lock)).toBe(false);
  });
});
