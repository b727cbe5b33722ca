import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * The only reader of `process.env`. Everything the service can be told from outside is parsed
 * and checked here once; `loadConfig` prints every problem at once and the caller exits 1.
 */
const intFrom = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    ROLE: z.enum(['all', 'api', 'worker']).default('all'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_SIZE: intFrom(20, 2, 1000),
    JWT_SECRET: z.string().optional(),
    JWT_EXPIRES_IN: z
      .string()
      .regex(/^\d+\s*(s|m|h|d)$/, 'must look like 30m, 12h or 7d')
      .default('12h'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: intFrom(4000, 0, 65535),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATA_DIR: z.string().min(1).default('./.data'),
    MAX_UPLOAD_BYTES: intFrom(50 * 1024 * 1024, 1, 2 ** 31 - 1),
    PIPELINE_CONCURRENCY: intFrom(4, 1, 256),
    // Default: one per core where the workers' threads run at a lower priority (Linux, see
    // PIPELINE_WORKER_NICE), so the main thread still gets a core when it needs one; elsewhere
    // one core is left to the main thread, or requests queue behind the workers.
    CPU_STAGE_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),
    LEASE_SECONDS: intFrom(30, 2, 3600),
    REVIEW_THRESHOLD: z.coerce.number().min(0).max(1).default(0.75),
    CLASSIFY_FULL_PASS: z.enum(['true', 'false']).default('false'),
    PIPELINE_WORKER_NICE: intFrom(10, 0, 19),
    STAGE_TIMEOUT_SECONDS: intFrom(1800, 1, 86_400),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
    REDIS_KEY_PREFIX: z.string().max(100).default('cma:'),
    FIRM_MAX_ACTIVE_RUNS: intFrom(2, 1, 100_000),
    CORS_ORIGINS: z.string().optional(),
    PUBLIC_URL: z.string().regex(/^https?:\/\/[^/\s]+(\/\S*)?$/, 'must be an http:// or https:// URL').optional(),
    GRAPHQL_INTROSPECTION: z.enum(['true', 'false']).optional(),
    RATE_LIMIT_LOGIN_PER_EMAIL: intFrom(10, 1, 100_000),
    RATE_LIMIT_LOGIN_PER_IP: intFrom(30, 1, 100_000),
    RATE_LIMIT_STARTS_PER_FIRM: intFrom(120, 1, 1_000_000),
    WS_MAX_CONNECTIONS_PER_IP: intFrom(100, 1, 1_000_000),
    WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: intFrom(50, 1, 10_000),
    WS_MAX_BUFFERED_BYTES: intFrom(8 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    BUILD_COMMIT: z.string().regex(/^[0-9a-f]{7,40}$/i, 'must be a git commit hash').optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().regex(/^https?:\/\//, 'must be an http:// or https:// URL').optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('cma-processing'),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && (env.JWT_SECRET ?? '').length < 32) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'is required in production and must be at least 32 characters',
      });
    }
    // Several processes must share one secret and one database; a default per process would
    // make them reject each other's tokens, or each keep its own data.
    if (env.ROLE !== 'all' && env.JWT_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: `is required with ROLE=${env.ROLE}: every API and worker process must sign and check tokens with the same secret (one generated per DATA_DIR would make each process reject the others' tokens)`,
      });
    }
    if (env.ROLE !== 'all' && env.DATABASE_URL === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: `is required with ROLE=${env.ROLE}: API and worker processes share their queue, documents and events through one PostgreSQL (an embedded database per process would share nothing)`,
      });
    }
    if (env.JWT_SECRET !== undefined && env.JWT_SECRET.length < 32) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'must be at least 32 characters' });
    }
  });

/** What one process does: `all` (one machine), `api` (HTTP + WebSocket), `worker` (pipelines). */
export type Role = 'all' | 'api' | 'worker';

/** Every environment variable the service reads (deploy files are checked against it). */
export const ENV_NAMES: readonly string[] = Object.keys(envSchema.shape);

export interface Config {
  env: 'development' | 'production' | 'test';
  role: Role;
  /** Absent: start an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  /** Connections this process's pool may open (worker threads open theirs besides). */
  databasePoolSize: number;
  jwtSecret: Uint8Array;
  jwtExpiresIn: string;
  host: string;
  port: number;
  logLevel: string;
  dataDir: string;
  maxUploadBytes: number;
  pipelineConcurrency: number;
  /** CPU-heavy stage bodies (EXTRACT, CLASSIFY) running at once; other runs wait for a slot. */
  cpuStageConcurrency: number;
  leaseSeconds: number;
  reviewThreshold: number;
  /**
   * CLASSIFY reads back, classifies and rewrites every row even when EXTRACT's classification
   * still holds. Off by default; the fault and kill-point suites set it to stop CLASSIFY between
   * its pages.
   */
  classifyFullPass: boolean;
  /** Linux: the nice value of the EXTRACT/CLASSIFY worker threads (0: the process's own priority). */
  pipelineWorkerNice: number;
  stageTimeoutSeconds: number;
  /** Set: status events travel over Redis, so every process sees every run's events. */
  redisUrl: string | undefined;
  /** Before every Redis key and channel, so deployments (and tests) sharing a Redis never meet. */
  redisKeyPrefix: string;
  /** Runs of one firm RUNNING at once, across every process; the rest wait in the fair queue. */
  firmMaxActiveRuns: number;
  /** Origins allowed to call from a browser; `*` any; empty: no cross-origin access. */
  corsOrigins: string[];
  introspection: boolean;
  /** Where people reach the service (invitation links); unset: the address it listens on. */
  publicUrl?: string;
  rateLimits: { loginPerEmail: number; loginPerIp: number; startsPerFirm: number };
  ws: { maxConnectionsPerIp: number; maxSubscriptionsPerConnection: number; maxBufferedBytes: number };
  /** `/metrics`: on the main port unless `port` is set (then alone there, on `host`). */
  metrics: { token: string | undefined; port: number | undefined; host: string; queueCacheMs: number; buildCommit: string | undefined };
  /** Spans go to this OTLP/HTTP endpoint when set; tracing is off otherwise. */
  tracing: { otlpEndpoint: string | undefined; serviceName: string };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws `ConfigError` listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`));
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    role: e.ROLE,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    jwtSecret: new TextEncoder().encode(e.JWT_SECRET ?? developmentSecret(dataDir)),
    jwtExpiresIn: e.JWT_EXPIRES_IN.replace(/\s+/g, ''),
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    dataDir,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    pipelineConcurrency: e.PIPELINE_CONCURRENCY,
    cpuStageConcurrency:
      e.CPU_STAGE_CONCURRENCY ??
      (process.platform === 'linux' && e.PIPELINE_WORKER_NICE > 0 ? availableParallelism() : Math.max(1, availableParallelism() - 1)),
    leaseSeconds: e.LEASE_SECONDS,
    reviewThreshold: e.REVIEW_THRESHOLD,
    classifyFullPass: e.CLASSIFY_FULL_PASS === 'true',
    pipelineWorkerNice: e.PIPELINE_WORKER_NICE,
    stageTimeoutSeconds: e.STAGE_TIMEOUT_SECONDS,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    firmMaxActiveRuns: e.FIRM_MAX_ACTIVE_RUNS,
    corsOrigins: (e.CORS_ORIGINS ?? (e.NODE_ENV === 'production' ? '' : '*'))
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    introspection: e.GRAPHQL_INTROSPECTION ? e.GRAPHQL_INTROSPECTION === 'true' : e.NODE_ENV !== 'production',
    rateLimits: {
      loginPerEmail: e.RATE_LIMIT_LOGIN_PER_EMAIL,
      loginPerIp: e.RATE_LIMIT_LOGIN_PER_IP,
      startsPerFirm: e.RATE_LIMIT_STARTS_PER_FIRM,
    },
    ws: {
      maxConnectionsPerIp: e.WS_MAX_CONNECTIONS_PER_IP,
      maxSubscriptionsPerConnection: e.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    },
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT, host: e.METRICS_HOST, queueCacheMs: 5000, buildCommit: e.BUILD_COMMIT },
    tracing: { otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME },
  };
}

/** Development only: a random secret kept in the data directory so tokens survive restarts. */
function developmentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    try {
      writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      return readFileSync(file, 'utf8').trim(); // another process wrote it first
    }
  }
}
