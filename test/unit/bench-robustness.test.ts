import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { background } from '../../bench/lib/background.js';
import { captureOutput } from '../../bench/lib/child-log.js';
import { sendQuietly } from '../../bench/lib/ipc.js';
import { stopAllChildren, track } from '../../bench/lib/processes.js';
import { runScenario } from '../../bench/lib/scenario-runner.js';

/**
 * The bench orchestrator must survive every part of it failing (issue 14: a full run died with
 * an unhandled rejection and nothing but Node's banner). These use tiny `node -e` children in
 * place of the server and the load generators, so no bench runs.
 */

// Answers `echo`, never answers `wait`: the IPC protocol of bench/lib/ipc.ts.
const IPC_CHILD = `process.on('message', (m) => { if (m.type === 'echo') process.send({ id: m.id, ok: true, result: m.payload }); });`;

const ipcChild = (name: string, code = IPC_CHILD) =>
  track(name, spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] }));

const dir = mkdtempSync(path.join(tmpdir(), 'bench-robustness-'));
afterEach(() => stopAllChildren(1000));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quiet = { log: () => undefined, stopChildren: () => stopAllChildren(1000) };

describe('bench: a request left running while the scenario fails (the busy prober)', () => {
  it('fails with the child exit when awaited later, and is never an unhandled rejection', async () => {
    const prober = ipcChild('prober');
    expect(await prober.peer.request('echo', 1)).toBe(1);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const run = background(prober.peer.request('wait'));
      // The pipelines fail; `finally` stops the prober, which fails its pending request.
      await prober.stop(1000);
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
      await expect(run.result()).rejects.toThrow(/prober exited \(SIGTERM\) while request \d+ was pending/);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('bench: the server log', () => {
  it('keeps stderr written after stdout has closed (it was a write after end that killed the bench)', async () => {
    // stdout closes first, then the child prints to stderr as it dies: the order in which a
    // crashing server's two pipes can reach the bench.
    const child = spawn(
      process.execPath,
      ['-e', `process.stdout.write('{"msg":"ready"}\\n'); require('fs').closeSync(1); setTimeout(() => { process.stderr.write('Error: late stack\\n'); process.exitCode = 1; }, 100);`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const order: string[] = [];
    child.stdout!.once('end', () => order.push('stdout end'));
    child.stderr!.once('data', () => order.push('stderr data'));
    const file = path.join(dir, 'server.log');
    const output = captureOutput(child, file);
    const errors: unknown[] = [];
    child.on('error', (err) => errors.push(err));
    await output.done;
    // The condition that broke `stdout.pipe(log)` did happen here…
    expect(order).toEqual(['stdout end', 'stderr data']);
    // …and both outputs are in the file, the stack in the tail for the crash report.
    expect(readFileSync(file, 'utf8')).toBe('{"msg":"ready"}\nError: late stack\n');
    expect(output.tail()).toContain('Error: late stack');
    expect(errors).toEqual([]);
  });
});

describe('bench: a scenario whose child dies', () => {
  it('fails at once with the exit, stops the other children and lets the scenario clean up', async () => {
    const load = ipcChild('subscribers-1');
    const other = ipcChild('ws-broadcast');
    let cleanedUp = false;
    const began = Date.now();
    const killer = setTimeout(() => load.child.kill('SIGKILL'), 200);
    const outcome = await runScenario(async () => {
      try {
        // Waits on another child, which would never answer: only the crash ends this.
        await other.peer.request('wait', undefined, 60_000);
        return ['figures'];
      } finally {
        cleanedUp = true;
      }
    }, quiet);
    clearTimeout(killer);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toMatch(/^subscribers-1 \(pid \d+\) exited unexpectedly \(SIGKILL\)/);
    expect(!outcome.ok && outcome.error).toMatch(/the scenario then failed with: Error: ws-broadcast exited \(SIGTERM\)/);
    expect(cleanedUp).toBe(true);
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(other.child.signalCode).toBe('SIGTERM');
  });

  it('names what the server printed as it died', async () => {
    const child = spawn(process.execPath, ['-e', `setTimeout(() => { console.error('TypeError: boom\\n    at stop (src/main.ts:1:1)'); process.exit(1); }, 100); process.on('message', () => {});`], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const output = captureOutput(child, path.join(dir, 'dying.log'));
    const server = track('server', child, { detail: async () => (await output.done, `its last output on stderr:\n${output.tail()}`) });
    const outcome = await runScenario(() => server.peer.request('wait', undefined, 60_000), quiet);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toMatch(/^server \(pid \d+\) exited unexpectedly \(1\)\nits last output on stderr:\nTypeError: boom/);
  });

  it('reports a scenario that throws as its failure, with the stack', async () => {
    const outcome = await runScenario(async () => {
      throw new Error('startProcessing failed: 500');
    }, quiet);
    expect(outcome).toMatchObject({ ok: false, error: expect.stringMatching(/^Error: startProcessing failed: 500\n\s+at /) });
  });

  it('does not count a child the scenario stopped itself', async () => {
    const outcome = await runScenario(async () => {
      const c = ipcChild('http-load');
      await c.peer.request('echo', 1);
      await c.stop(1000);
      return 42;
    }, quiet);
    expect(outcome).toEqual({ ok: true, value: 42 });
  });
});

describe('bench: children that are gone or never started', () => {
  it('a message to a child that has exited is refused quietly, not an error event', async () => {
    const janitor = ipcChild('janitor', `process.exit(0)`);
    await janitor.exited;
    expect(await sendQuietly(janitor.child, { type: 'done' })).toBe(false);
    // A bare `send` here is an 'error' event on the child object; with no listener, fatal.
    const errors: unknown[] = [];
    janitor.child.on('error', (err) => errors.push(err));
    janitor.child.send({ type: 'done' });
    await new Promise((r) => setTimeout(r, 20));
    expect(errors).toMatchObject([{ code: 'ERR_IPC_CHANNEL_CLOSED' }]);
  });

  it('a child that cannot be started fails its requests and is reported, without an error event escaping', async () => {
    const outcome = await runScenario(async () => {
      const c = track('baseline', spawn(path.join(dir, 'no-such-program'), [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] }));
      expect(await c.exited).toBe('ENOENT');
      return c.peer.request('echo', 1);
    }, quiet);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toMatch(/^baseline \(pid -\) could not be started \(spawn .*ENOENT\)/);
  });
});
