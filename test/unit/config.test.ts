import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'cma-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ DATA_DIR: dataDir, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('has working defaults in development, with a generated JWT secret kept in the data directory', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({ env: 'development', port: 4000, host: '127.0.0.1', pipelineConcurrency: 4, maxUploadBytes: 52_428_800, introspection: true });
    const secret = readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8').trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(new TextDecoder().decode(loadConfig({ DATA_DIR: dataDir }).jwtSecret)).toBe(secret);
  });

  it('requires a JWT secret of at least 32 characters in production, and turns introspection off there', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual(['JWT_SECRET: is required in production and must be at least 32 characters']);
    expect(problems({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toContain('JWT_SECRET: must be at least 32 characters');
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DATA_DIR: dataDir });
    expect(config.introspection).toBe(false);
    expect(config.corsOrigins).toEqual([]);
  });

  it('runs one CPU-heavy stage per core where the workers run at a lower priority (Linux), else one fewer (at least one), unless told otherwise', () => {
    const cores = availableParallelism();
    expect(loadConfig({ DATA_DIR: dataDir }).pipelineWorkerNice).toBe(10);
    expect(loadConfig({ DATA_DIR: dataDir }).cpuStageConcurrency).toBe(process.platform === 'linux' ? cores : Math.max(1, cores - 1));
    expect(loadConfig({ DATA_DIR: dataDir, PIPELINE_WORKER_NICE: '0' }).cpuStageConcurrency).toBe(Math.max(1, cores - 1));
    expect(loadConfig({ DATA_DIR: dataDir, CPU_STAGE_CONCURRENCY: '3' }).cpuStageConcurrency).toBe(3);
    expect(problems({ CPU_STAGE_CONCURRENCY: '0' }).map((p) => p.split(':')[0])).toEqual(['CPU_STAGE_CONCURRENCY']);
  });

  it('closes WebSocket clients more than 8 MB behind by default, and refuses a limit below 64 KB', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).ws.maxBufferedBytes).toBe(8 * 1024 * 1024);
    expect(loadConfig({ DATA_DIR: dataDir, WS_MAX_BUFFERED_BYTES: '1048576' }).ws.maxBufferedBytes).toBe(1_048_576);
    expect(problems({ WS_MAX_BUFFERED_BYTES: '1000' }).map((p) => p.split(':')[0])).toEqual(['WS_MAX_BUFFERED_BYTES']);
  });

  it('lists every problem at once, naming each variable', () => {
    const found = problems({ PORT: 'eighty', DATABASE_URL: 'mysql://x', PIPELINE_CONCURRENCY: '0', REVIEW_THRESHOLD: '2', LOG_LEVEL: 'loud' });
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PIPELINE_CONCURRENCY', 'PORT', 'REVIEW_THRESHOLD']);
  });

  it('runs everything in one process by default; ROLE=api and ROLE=worker need a shared secret and a shared database', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).role).toBe('all');
    const shared = { JWT_SECRET: 's'.repeat(32), DATABASE_URL: 'postgres://db.internal/cma' };
    expect(loadConfig({ DATA_DIR: dataDir, ROLE: 'api', ...shared }).role).toBe('api');
    expect(loadConfig({ DATA_DIR: dataDir, ROLE: 'worker', ...shared }).role).toBe('worker');
    for (const role of ['api', 'worker']) {
      const found = problems({ ROLE: role });
      expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'JWT_SECRET']);
      expect(found.find((p) => p.startsWith('JWT_SECRET'))).toMatch(new RegExp(`required with ROLE=${role}: .*reject the others' tokens`));
      expect(found.find((p) => p.startsWith('DATABASE_URL'))).toMatch(new RegExp(`required with ROLE=${role}: .*embedded database per process would share nothing`));
      expect(problems({ ROLE: role, JWT_SECRET: shared.JWT_SECRET }).map((p) => p.split(':')[0])).toEqual(['DATABASE_URL']);
    }
    expect(problems({ ROLE: 'scheduler' }).map((p) => p.split(':')[0])).toEqual(['ROLE']);
  });
});
