/**
 * EXPERIMENT entry (not the service): `src/main.ts`'s wiring with switches that stand in for
 * proposed src changes, so each proposal is measured by the same bench before anyone writes it:
 *
 *   BENCH_SERVER_ENTRY=bench/experiments/server.ts EXP_NO_RUN=1 npm run bench -- --quick --only start
 *
 * - EXP_ASYNC_COMMIT=1: every plain `sql.query` except the claim (so the runner's stage steps,
 *   ticks and run ends) goes through a second pool whose sessions have
 *   `synchronous_commit = off`: the claim stays durable, the bookkeeping stops waiting on fsync;
 * - EXP_NO_RUN=1: startProcessing claims but never runs (the request path alone);
 * - EXP_DIRECT_FRAMES=1: graphql-ws served with ./direct-frames.ts for `projectStatus` (the
 *   fan-out proposed for src/ws.ts); other operations through plain graphql-js.
 *
 * Needs DATABASE_URL (the bench always sets it).
 */
import type { IncomingMessage, Server } from 'node:http';
import { execute, getOperationAST, GraphQLError, parse, subscribe, validate, type DocumentNode, type ExecutionResult } from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import { useServer } from 'graphql-ws/use/ws';
import pg from 'pg';
import { WebSocketServer, type WebSocket } from 'ws';
import { buildApp } from '../../src/app.js';
import { createContext, requireViewer, type Context, type Services } from '../../src/context.js';
import { getSchema } from '../../src/schema/index.js';
import { AppError } from '../../src/services/errors.js';
import { projects } from '../../src/services/projects.js';
import { createDirectFrameHub } from './direct-frames.js';
import { loadConfig } from '../../src/config.js';
import { createOrm } from '../../src/database/orm.js';
import { createLogger } from '../../src/services/logger.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
if (!config.databaseUrl) throw new Error('DATABASE_URL is required');
const orm = await createOrm(config.databaseUrl, logger);
const app = buildApp({ config, orm, logger });

if (process.env.EXP_NO_RUN === '1') {
  const runner = app.runner as unknown as Record<string, unknown>;
  runner.reserveSlot = () => true;
  runner.launch = () => undefined;
}
if (process.env.EXP_ASYNC_COMMIT === '1') {
  const url = new URL(config.databaseUrl);
  url.searchParams.set('options', '-c synchronous_commit=off');
  const asyncPool = new pg.Pool({ connectionString: url.toString(), max: 10 });
  const sql = app.services.sql;
  const durable = sql.query.bind(sql);
  const query = (text: string, params?: unknown[]) =>
    /^\s*with claimed as/.test(text) ? durable(text, params) : asyncPool.query(text, params).then((r) => r.rows);
  sql.query = query as typeof sql.query;
}

const url = await app.start();
if (process.env.EXP_DIRECT_FRAMES === '1') attachDirectFrames(app.server, app.services);
logger.info({ url: `${url}/graphql` }, 'experiment server ready');
process.once('SIGTERM', () => void app.stop().then(() => orm.close()).then(() => process.exit(0)));

/** graphql-ws on its own WebSocketServer (the app's is detached), `projectStatus` through the hub. */
function attachDirectFrames(server: Server, services: Services): void {
  const schema = getSchema();
  const hub = createDirectFrameHub({ schema, sql: services.sql, pubsub: services.pubsub });
  const documents = new Map<string, DocumentNode>();
  const field = schema.getSubscriptionType()!.getFields().projectStatus!;
  server.removeAllListeners('upgrade');
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/graphql') return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const fail = (err: unknown): ExecutionResult => ({
    errors: [new GraphQLError(err instanceof Error ? err.message : 'Unexpected error', { extensions: { code: err instanceof AppError ? err.code : 'INTERNAL_SERVER_ERROR' } })],
  });
  useServer(
    {
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization;
        if (header === undefined) return true;
        try {
          await services.auth.verify(String(header).replace(/^Bearer\s+/i, ''));
          return true;
        } catch {
          return false;
        }
      },
      onSubscribe: async (ctx, id, payload) => {
        let document = documents.get(payload.query);
        if (!document) {
          try {
            document = parse(payload.query);
          } catch (err) {
            return [err as GraphQLError];
          }
          const errors = validate(schema, document);
          if (errors.length > 0) return [...errors];
          documents.set(payload.query, document);
        }
        const authorization = ctx.connectionParams?.authorization as string | undefined;
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await createContext(services, authorization, ctx.extra.request.socket.remoteAddress ?? 'unknown'),
          rootValue: { query: payload.query, socket: ctx.extra.socket, id },
        };
      },
      execute: (args) => execute(args),
      subscribe: async (args) => {
        const op = getOperationAST(args.document, args.operationName);
        const selection = op?.selectionSet.selections[0];
        if (op?.operation !== 'subscription' || selection?.kind !== 'Field' || selection.name.value !== 'projectStatus') return subscribe(args);
        const root = args.rootValue as { query: string; socket: WebSocket; id: string };
        try {
          const viewer = requireViewer(args.contextValue as Context);
          const values = getArgumentValues(field, selection, args.variableValues ?? {}) as { projectId: string; afterSequence?: number | null };
          const project = await projects.find(services.fork(), viewer.firmId, String(values.projectId), 'projectId');
          if (!project) throw new AppError('NOT_FOUND', 'project not found');
          return await hub.join({
            socket: root.socket,
            id: root.id,
            projectId: project.id,
            query: root.query,
            document: args.document,
            variables: args.variableValues ?? undefined,
            afterSequence: values.afterSequence ?? null,
          });
        } catch (err) {
          return fail(err);
        }
      },
    },
    wss,
  );
}
