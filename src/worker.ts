import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from './config.js';
import type { Orm } from './database/orm.js';
import { createSql } from './database/sql.js';
import { listen } from './http/listen.js';
import { healthRoutes } from './http/health.js';
import { mountMetrics } from './http/metrics.js';
import { addMetricsSource, setBuildInfo } from './services/metrics.js';
import { createMetricsSource } from './services/metrics-source.js';
import { findRoute, requestUrl, sendJson, type HttpRoute } from './http/routes.js';
import type { Logger } from './services/logger.js';
import { createCmaStages } from './services/pipeline/stages/index.js';
import { createPipelineRunner, type PipelineRunner } from './services/pipeline/runner.js';
import { createAppPubSub } from './services/pubsub.js';
import { createRedisPubSub } from './services/redis-pubsub.js';

export interface WorkerDeps {
  config: Config;
  orm: Orm;
  logger: Logger;
}

export interface WorkerApp {
  server: Server;
  runner: PipelineRunner;
  /** Listens (health checks only) and starts the runner; resolves with the base URL. */
  start(): Promise<string>;
  /** Stops taking work and hands running runs back to the queue. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A pipeline worker (ROLE=worker): the runner with its slots, taking runs from the database
 * queue that API processes fill, publishing status events over Redis. Its port serves only
 * health checks (for a load balancer or an orchestrator), never GraphQL.
 */
export function buildWorker({ config, orm, logger }: WorkerDeps): WorkerApp {
  const sql = createSql(orm);
  const redis = config.redisUrl ? createRedisPubSub(config.redisUrl, { logger, keyPrefix: config.redisKeyPrefix }) : null;
  if (!redis) logger.warn('REDIS_URL is not set: status events of the runs this worker executes reach no API process, only the database');
  const runner = createPipelineRunner({
    orm,
    sql,
    pubsub: redis?.pubsub ?? createAppPubSub(),
    logger,
    stages: createCmaStages({
      reviewThreshold: config.reviewThreshold,
      classifyFullPass: config.classifyFullPass,
      workerNice: config.pipelineWorkerNice,
      databaseUrl: orm.config.get('clientUrl') as string,
    }),
    concurrency: config.pipelineConcurrency,
    cpuStageConcurrency: config.cpuStageConcurrency,
    leaseSeconds: config.leaseSeconds,
    firmMaxActiveRuns: config.firmMaxActiveRuns,
    stageTimeoutSeconds: config.stageTimeoutSeconds,
  });

  // /metrics as on an API process: this port, or METRICS_PORT.
  const metricsEndpoint = mountMetrics(config.metrics);
  const routes: HttpRoute[] = [...healthRoutes(sql), ...metricsEndpoint.routes];
  setBuildInfo(config.metrics.buildCommit);
  let removeMetricsSource = () => {};
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = requestUrl(req);
    const route = findRoute(routes, url, req);
    if (!route) {
      return sendJson(res, 404, { error: 'not found: this is a pipeline worker (ROLE=worker); GraphQL is served by the API processes (ROLE=api)' });
    }
    void Promise.resolve(route.handle(req, res, url)).catch((err: unknown) => {
      logger.error({ err, route: route.name }, 'HTTP route failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal server error' });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  let stopping: Promise<void> | null = null;
  return {
    server,
    runner,
    async start() {
      const url = await listen(server, config.host, config.port);
      await runner.start();
      await metricsEndpoint.start();
      removeMetricsSource = addMetricsSource(
        createMetricsSource({ orm, sql, runner, redisConnected: redis?.connected, queueCacheMs: config.metrics.queueCacheMs }),
      );
      return url;
    },
    stop() {
      stopping ??= (async () => {
        server.close();
        await runner.stop();
        for (const socket of sockets) socket.destroy();
        await redis?.close();
        removeMetricsSource();
        await metricsEndpoint.stop();
      })();
      return stopping;
    },
  };
}
