/**
 * Baseline of the start and first-event scenarios: a minimal node:http server that runs the
 * service's own claim statement (`claimAndCreateRun`, imported, so the SQL is the same text)
 * through `pg` directly, one round trip per request; no GraphQL, no ORM, no runner. It pushes
 * the claim's event as JSON to raw `ws` subscribers of the project before answering, as the
 * service publishes before it answers.
 *
 * Runs are claimed for the owner `bench-baseline`; the orchestrator closes them after each
 * phase so the service's lease recovery never picks them up.
 *
 * `POST /graphql` is the yoga floor: the same claim behind a bare graphql-yoga (the service's
 * version, its defaults, a four-type SDL schema), receiving the service's own start document.
 * No auth, plugins, ORM, log or runner: what yoga and graphql-js alone add to the raw baseline,
 * the part of the stack the service cannot cut without replacing it.
 */
import { createSchema, createYoga } from 'graphql-yoga';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Sql } from '../../src/database/sql.js';
import { claimAndCreateRun } from '../../src/services/pipeline/claim.js';
import { BASELINE_OWNER } from '../lib/constants.js';
import { serveParent } from '../lib/ipc.js';

const STAGES = ['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE'] as const;

let pool: pg.Pool | null = null;
// The claim only ever calls `query`; the rest of the interface (transactions, COPY) is not
// this baseline's business, so it is left out rather than stubbed.
const query: Sql['query'] = async (text, params) => (await pool!.query(text, params)).rows;
const sql = { query } as Pick<Sql, 'query'> as Sql;
const subscribers = new Map<string, Set<WebSocket>>();
/** The firm the yoga floor claims for (its requests carry no identity it would check). */
let floorFirmId = '';

const claim = (projectId: string, firmId: string) =>
  claimAndCreateRun(sql, {
    projectId,
    firmId,
    restart: false,
    owner: BASELINE_OWNER,
    stages: STAGES,
    message: 'Processing started',
    queuedMessage: 'Queued',
    // Its runs are never ended: no per-firm cap, so every claim is the one-statement start.
    firmMaxActiveRuns: 1_000_000,
  });

/** The claim's event to the project's raw ws subscribers, before the answer (as the service). */
function push(projectId: string, event: unknown): void {
  const frame = JSON.stringify({ id: '1', type: 'next', payload: { data: { projectStatus: event } } });
  for (const ws of subscribers.get(projectId) ?? []) ws.send(frame);
}

const yoga = createYoga({
  logging: false,
  graphiql: false,
  schema: createSchema({
    typeDefs: /* GraphQL */ `
      type Query { ok: Boolean }
      type Project { id: ID! status: String! isProcessing: Boolean! }
      type Run { id: ID! status: String! }
      type StartResult { message: String! project: Project! run: Run! }
      type Mutation { startProcessing(projectId: ID!): StartResult! }
    `,
    resolvers: {
      Mutation: {
        startProcessing: async (_: unknown, { projectId }: { projectId: string }) => {
          const claimed = await claim(projectId, floorFirmId);
          if (!claimed) throw new Error('CONFLICT');
          push(projectId, claimed.event);
          return { message: 'Processing started', project: claimed.project, run: claimed.run };
        },
      },
    },
  }),
});

const server = createServer((req, res) => {
  if (req.url === '/graphql') return void yoga(req, res);
  if (req.method !== 'POST' || req.url !== '/claim') return res.writeHead(404).end();
  readBody(req)
    .then(async (body) => {
      const { projectId, firmId } = JSON.parse(body) as { projectId: string; firmId: string };
      const claimed = await claim(projectId, firmId);
      if (!claimed) {
        res.writeHead(409, { 'content-type': 'application/json' }).end('{"error":"CONFLICT"}');
        return;
      }
      push(projectId, claimed.event);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { startProcessing: { message: 'Processing started', project: claimed.project, run: claimed.run } } }));
    })
    .catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) }));
    });
});

const wss = new WebSocketServer({ server, path: '/ws' });
wss.on('connection', (ws) => {
  const mine = new Set<string>();
  ws.on('message', (data: Buffer) => {
    const msg = JSON.parse(String(data)) as { type?: string; id?: string; topic?: string };
    if (msg.type === 'complete') {
      for (const topic of mine) subscribers.get(topic)?.delete(ws);
      mine.clear();
      return;
    }
    if (msg.type !== 'subscribe' || typeof msg.topic !== 'string') return;
    mine.add(msg.topic);
    const set = subscribers.get(msg.topic) ?? new Set();
    set.add(ws);
    subscribers.set(msg.topic, set);
    ws.send(JSON.stringify({ id: msg.id, type: 'next', payload: { data: { subscribed: true } } }));
  });
  ws.on('close', () => mine.forEach((topic) => subscribers.get(topic)?.delete(ws)));
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

serveParent({
  'floor:firm': ({ firmId }: { firmId: string }) => {
    floorFirmId = firmId;
    return true;
  },
  /** Same pool size as the service's ORM pool (20). */
  listen: async ({ databaseUrl }: { databaseUrl: string }) => {
    pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
    await pool.query('select 1');
    return new Promise<string>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
    );
  },
});
process.on('SIGTERM', () => {
  void pool?.end().finally(() => process.exit(0));
});
