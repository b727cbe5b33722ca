import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { buildApp, type App, type AppDeps } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { createOrm, type Orm } from '../../src/database/orm.js';
import { createLogger } from '../../src/services/logger.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestServer {
  app: App;
  orm: Orm;
  config: Config;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  /** ws://127.0.0.1:<port>/graphql */
  wsUrl: string;
  base: string;
  stop(): Promise<void>;
}

// One secret per test file: servers sharing a database accept each other's tokens, as a
// deployment's processes would.
const JWT_SECRET = new TextEncoder().encode(randomBytes(32).toString('hex'));
// Likewise one Redis key prefix per test file: its servers share channels and counters, and
// never meet another file's on the machine's Redis.
const REDIS_KEY_PREFIX = `cma-test-${randomBytes(6).toString('hex')}:`;

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    env: 'test',
    role: 'all',
    databaseUrl: undefined,
    databasePoolSize: 10,
    jwtSecret: JWT_SECRET,
    jwtExpiresIn: '1h',
    host: '127.0.0.1',
    port: 0,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    dataDir: overrides.dataDir ?? mkdtempSync(path.join(tmpdir(), 'cma-test-')),
    maxUploadBytes: 1024 * 1024,
    pipelineConcurrency: 4,
    // As many as runs: tests that hold a CPU-heavy stage of one run expect others to proceed.
    // The limit is tested on its own (cpu-stage-slots.test.ts).
    cpuStageConcurrency: 4,
    leaseSeconds: 30,
    reviewThreshold: 0.75,
    classifyFullPass: false,
    pipelineWorkerNice: 10,
    stageTimeoutSeconds: 600,
    redisUrl: undefined,
    redisKeyPrefix: REDIS_KEY_PREFIX,
    // Tests starting several runs of one firm expect them to run; the cap is tested on its own.
    firmMaxActiveRuns: 1000,
    corsOrigins: ['*'],
    introspection: true,
    // Every test file signs up and logs in from 127.0.0.1 many times: limits are tested on their own.
    rateLimits: { loginPerEmail: 1000, loginPerIp: 100_000, startsPerFirm: 100_000 },
    ws: { maxConnectionsPerIp: 10_000, maxSubscriptionsPerConnection: 100, maxBufferedBytes: 8 * 1024 * 1024 },
    metrics: { token: undefined, port: undefined, host: '127.0.0.1', queueCacheMs: 0, buildCommit: undefined },
    tracing: { otlpEndpoint: undefined, serviceName: 'cma-processing-test' },
    ...overrides,
  };
}

/**
 * A real server on port 0 over a database of its own (or a shared one, to run two servers on
 * one database). Every server started is stopped by `stopAll` in the file's afterAll.
 */
export async function startTestServer(
  options: {
    config?: Partial<Config>;
    database?: TestDatabase;
    deps?: Partial<Omit<AppDeps, 'config' | 'orm' | 'logger'>>;
    /** Where the server's log lines go (its real logger, redaction included). */
    logTo?: Writable;
  } = {},
): Promise<TestServer & { database: TestDatabase }> {
  const database = options.database ?? (await createTestDatabase());
  const config = testConfig({ databaseUrl: database.url, ...options.config });
  const logger = createLogger(config.logLevel, false, options.logTo);
  const orm = await createOrm(database.url, logger, 10);
  const app = buildApp({ config, orm, logger, ...options.deps });
  const base = await app.start();
  const server: TestServer & { database: TestDatabase } = {
    app,
    orm,
    config,
    base,
    url: `${base}/graphql`,
    wsUrl: `${base.replace(/^http/, 'ws')}/graphql`,
    database,
    async stop() {
      await app.stop();
      await orm.close(true);
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
  running.add(server);
  return server;
}

const running = new Set<TestServer & { database: TestDatabase }>();

/** Stops every server this file started and drops their databases. */
export async function stopAll(): Promise<void> {
  const servers = [...running];
  running.clear();
  await Promise.all(servers.map((s) => s.stop()));
  const databases = new Set(servers.map((s) => s.database));
  await Promise.all([...databases].map((d) => d.drop()));
}
