import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createFetch } from '@whatwg-node/fetch';
import { createYoga, type GraphiQLOptions } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Config } from './config.js';
import { createContext, type Context, type Services } from './context.js';
import type { Orm } from './database/orm.js';
import { createSql } from './database/sql.js';
import { createMaskError, useApiErrorCodes } from './error-masking.js';
import { getSchema } from './schema/index.js';
import { createAuthService } from './services/auth.js';
import type { TokenClaims } from './services/sessions.js';
import { createDocumentStore } from './services/documents.js';
import { createDownloadLinks } from './services/report/download-links.js';
import type { Logger } from './services/logger.js';
import { createCmaStages } from './services/pipeline/stages/index.js';
import { createProcessingService } from './services/pipeline/processing.js';
import { createPipelineRunner, type PipelineRunner, type RunnerOptions } from './services/pipeline/runner.js';
import type { Stage } from './services/pipeline/stage.js';
import { createAppPubSub, type AppPubSub } from './services/pubsub.js';
import { createRedisPubSub } from './services/redis-pubsub.js';
import { createSharedLimits } from './services/shared-limits.js';
import { createReviewService } from './services/review.js';
import { createProjectLifecycle } from './services/project-lifecycle.js';
import { createTeamService } from './services/team.js';
import { createStatusHub } from './services/status-stream.js';
import { graphqlLimits } from './plugins/graphql-limits.js';
import { createSharedSubscriptionResults } from './plugins/shared-subscription-results.js';
import { clientAddress, refuseOversizeJson, setSecurityHeaders } from './plugins/http-guards.js';
import { attachGraphqlWs } from './ws.js';
import { consoleRoute } from './http/console.js';
import { listen } from './http/listen.js';
import { healthRoutes, withTimeout } from './http/health.js';
import { mountMetrics } from './http/metrics.js';
import { handleWithRequestContext } from './http/request-context.js';
import { addMetricsSource, setBuildInfo } from './services/metrics.js';
import { createMetricsSource } from './services/metrics-source.js';
import { createOperationMetrics } from './plugins/operation-metrics.js';
import { createLeanSubscriptions } from './ws-lean-status.js';
import { findRoute, requestUrl, type HttpRoute } from './http/routes.js';
import { reportDownloadRoute } from './http/report-download.js';

export interface AppDeps {
  config: Config;
  orm: Orm;
  logger: Logger;
  /** Defaults to an in-memory pubsub; pass one over Redis for several processes. */
  pubsub?: AppPubSub;
  /** Defaults to the CMA stages; tests pass gated stages. */
  stages?: Stage[];
  runner?: Partial<Pick<RunnerOptions, 'concurrency' | 'pollIntervalMs' | 'maxAttempts' | 'progressIntervalMs'>>;
}

export interface App {
  server: Server;
  services: Services;
  runner: PipelineRunner;
  /** Listens (PORT 0 picks a free port) and starts the runner; resolves with the base URL. */
  start(): Promise<string>;
  /** `/metrics` on METRICS_PORT when set (else it is `${base}/metrics`), once started. */
  metricsUrl(): string | undefined;
  /** Stops taking work, hands running runs back, closes every socket. Idempotent. */
  stop(): Promise<void>;
}

/** The whole service on one port: GraphQL over HTTP, SSE and graphql-ws, and health checks. */
export function buildApp(deps: AppDeps): App {
  const { config, orm, logger } = deps;
  const sql = createSql(orm);
  const redis = !deps.pubsub && config.redisUrl ? createRedisPubSub(config.redisUrl, { logger, keyPrefix: config.redisKeyPrefix }) : null;
  const pubsub = deps.pubsub ?? redis?.pubsub ?? createAppPubSub();
  const stages =
    deps.stages ??
    createCmaStages({
      reviewThreshold: config.reviewThreshold,
      classifyFullPass: config.classifyFullPass,
      workerNice: config.pipelineWorkerNice,
      // The heavy stages' workers open their own connection to the same database.
      databaseUrl: orm.config.get('clientUrl') as string,
    });
  const runner = createPipelineRunner({
    orm,
    sql,
    pubsub,
    logger,
    stages,
    concurrency: config.pipelineConcurrency,
    cpuStageConcurrency: config.cpuStageConcurrency,
    leaseSeconds: config.leaseSeconds,
    firmMaxActiveRuns: config.firmMaxActiveRuns,
    stageTimeoutSeconds: config.stageTimeoutSeconds,
    ...deps.runner,
  });
  const documents = createDocumentStore({ sql, maxUploadBytes: config.maxUploadBytes, logger });
  const limits = createSharedLimits(config, logger);
  const statusHub = createStatusHub(pubsub);
  // Events published while this process was cut off from Redis never reach it: read them back.
  redis?.onReconnect(() => statusHub.resync());
  const auth = createAuthService({ secret: config.jwtSecret, expiresIn: config.jwtExpiresIn, sql });
  let listeningUrl = `http://${config.host}:${config.port}`; // set to the real port by start()
  const services: Services = {
    config,
    logger,
    sql,
    pubsub,
    statusHub,
    auth,
    documents,
    downloadLinks: createDownloadLinks({ secret: config.jwtSecret }),
    processing: createProcessingService({ sql, runner, logger }),
    review: createReviewService({ sql }),
    rateLimits: limits.rateLimits,
    lifecycle: createProjectLifecycle({ sql, pubsub, documents, logger }),
    team: createTeamService({ sql, auth, logger, publicUrl: () => config.publicUrl ?? listeningUrl }),
    fork: () => orm.em.fork(),
  };

  const maskError = createMaskError(logger);
  const sharedResults = createSharedSubscriptionResults();
  const operationMetrics = createOperationMetrics(logger);
  const yoga = createYoga<{ req?: IncomingMessage; claims?: TokenClaims | null; clientIp?: string }, Context>({
    schema: getSchema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    renderGraphiQL: renderGraphiQLLazily,
    // SSE, not WS: GraphiQL sends its Headers tab with every HTTP request (SSE included) but
    // never as graphql-ws connection params, so over WS a subscription ran unauthenticated.
    graphiql: { title: 'CMA processing', subscriptionsProtocol: 'SSE' },
    logging: yogaLogger(logger.child({ component: 'yoga' })),
    maskedErrors: { maskError },
    plugins: [...graphqlLimits({ introspection: config.introspection }), useApiErrorCodes(config.maxUploadBytes), sharedResults.plugin, operationMetrics.plugin],
    // Multipart bodies carry the upload; JSON bodies are capped lower in the HTTP handler.
    maxRequestBodySize: config.maxUploadBytes + 1024 * 1024,
    cors:
      config.corsOrigins.length === 0
        ? false
        : {
            origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
            methods: ['GET', 'POST', 'OPTIONS'],
            allowedHeaders: ['authorization', 'content-type', 'accept'],
            maxAge: 600,
          },
    // The multipart parser stops reading a file at the limit, so an oversize upload fails fast.
    fetchAPI: createFetch({ formDataLimits: { fileSize: config.maxUploadBytes + 1, files: 1, fieldSize: 1024 * 1024 } }),
    // graphql-ws passes the client's address (`clientIp`) and the claims of the token it was
    // opened with (`claims`; null when anonymous), HTTP the request it came on.
    context: ({ request, req, claims, clientIp }) =>
      createContext(services, claims !== undefined ? claims : request?.headers.get('authorization'), clientIp ?? clientAddress(req)),
  });

  // Plain HTTP beside /graphql, tried in order before GraphQL.
  const metricsEndpoint = mountMetrics(config.metrics);
  // The console answers every page path it does not exclude: keep it last.
  const routes: HttpRoute[] = [...healthRoutes(sql), ...metricsEndpoint.routes, reportDownloadRoute(services), consoleRoute()];
  setBuildInfo(config.metrics.buildCommit);
  let removeMetricsSource = () => {};

  const server = createServer((req, res) => {
    setSecurityHeaders(res, config.env === 'production');
    const url = requestUrl(req);
    const route = findRoute(routes, url, req);
    handleWithRequestContext(logger, req, res, route?.name ?? 'graphql', () => {
      if (route) return void Promise.resolve(route.handle(req, res, url)).catch((err: unknown) => {
        logger.error({ err, route: route.name }, 'HTTP route failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(res.headersSent ? undefined : JSON.stringify({ error: 'internal server error' }));
      });
      if (refuseOversizeJson(req, res)) return;
      void yoga(req, res);
    });
  });
  // Sockets are tracked by graphql-ws's transport (WebSockets) and by the HTTP server itself
  // (`closeAllConnections`): nothing more per connection here.
  const wss = new WebSocketServer({ server, path: '/graphql', clientTracking: false });
  const lean = createLeanSubscriptions({ results: sharedResults, maskError, record: operationMetrics.start });
  const ws = attachGraphqlWs({ wss, yoga, services, limits: config.ws, connections: limits.connections, lean });

  let stopping: Promise<void> | null = null;
  return {
    server,
    services,
    runner,
    metricsUrl: metricsEndpoint.url,
    async start() {
      const url = await listen(server, config.host, config.port);
      await runner.start();
      await metricsEndpoint.start();
      removeMetricsSource = addMetricsSource(
        createMetricsSource({ orm, sql, runner, redisConnected: redis?.connected, queueCacheMs: config.metrics.queueCacheMs }),
      );
      listeningUrl = url;
      return url;
    },
    stop() {
      stopping ??= (async () => {
        server.close();
        await runner.stop();
        // graphql-ws closes every socket (1001) and waits for the close handshakes; a client
        // that never answers must not hold the stop, so the rest are cut after 3 s.
        await withTimeout(ws.dispose(), 3000).catch(() => ws.terminate());
        server.closeAllConnections();
        await redis?.close();
        await limits.close();
        removeMetricsSource();
        await metricsEndpoint.stop();
        await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      })();
      return stopping;
    },
  };
}

/**
 * The playground page, its package loaded on the first request for it. The package holds
 * GraphiQL and its editor as JavaScript strings: loaded at start-up it was ~32 MB of every
 * server's heap (the heap at 0 subscribers was 70.7 MB of which 32 were this), though most
 * servers never serve the page.
 */
async function renderGraphiQLLazily(options: GraphiQLOptions): Promise<string> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  return renderGraphiQL(options);
}

/**
 * yoga logs every error a resolver throws at error level; expected ones (a CONFLICT, a bad
 * token) are not server errors, and unexpected ones are already logged by the error masking.
 */
function yogaLogger(log: Logger) {
  return {
    debug: (...args: unknown[]) => log.debug({ args }, 'yoga'),
    info: (...args: unknown[]) => log.info({ args }, 'yoga'),
    warn: (...args: unknown[]) => log.warn({ args }, 'yoga'),
    error: (...args: unknown[]) => log.debug({ args }, 'yoga error'),
  };
}
