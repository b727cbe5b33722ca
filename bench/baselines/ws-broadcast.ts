/**
 * Baseline of the fan-out and memory scenarios: a raw `ws` server that broadcasts the same JSON
 * the service's graphql-ws sends (`{"id":"1","type":"next","payload":{"data":{"projectStatus":
 * {...}}}}`) to the sockets subscribed to a topic. Serialises each event once per topic. No
 * GraphQL, no auth, no database: what the hardware and `ws` can do on this machine.
 *
 * Forked by bench/run.ts with `--expose-gc`; answers `listen`, `publish`, `listeners`, `mem`, and
 * `profile:start` / `profile:stop` (with `--profile`, its fan-out windows are profiled as the service's are).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { profileHandlers } from '../lib/cpu-profile.js';
import { serveParent } from '../lib/ipc.js';
import { benchEvent } from '../lib/constants.js';
import { publishPaced, type PacedSpec } from '../lib/paced.js';

const topics = new Map<string, Set<WebSocket>>();
const http = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server: http, path: '/ws' });

wss.on('connection', (ws) => {
  let topic: string | null = null;
  ws.on('message', (data: Buffer) => {
    const msg = JSON.parse(String(data)) as { type?: string; id?: string; topic?: string };
    if (msg.type !== 'subscribe' || typeof msg.topic !== 'string') return;
    topic = msg.topic;
    const set = topics.get(topic) ?? new Set();
    set.add(ws);
    topics.set(topic, set);
    ws.send(JSON.stringify({ id: msg.id, type: 'next', payload: { data: { subscribed: true } } }));
  });
  ws.on('close', () => {
    if (topic) topics.get(topic)?.delete(ws);
  });
});

serveParent({
  ...profileHandlers(),
  listen: () =>
    new Promise<string>((resolve) =>
      http.listen(0, '127.0.0.1', () => resolve(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws`)),
    ),
  /** One event per topic, the same shape and stamping as the server probe's publish. */
  publish: ({ projectIds, round }: { projectIds: string[]; round: number }) => publish(projectIds, round),
  'publish-paced': (spec: PacedSpec) => publishPaced(spec, (id, round) => publish([id], round)),
  listeners: ({ projectIds }: { projectIds: string[] }) => {
    let total = 0;
    for (const id of new Set(projectIds)) total += topics.get(id)?.size ?? 0;
    return total;
  },
  mem: async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; i < 3 && gc; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    return { ...process.memoryUsage(), gcExposed: Boolean(gc) };
  },
});
process.on('SIGTERM', () => process.exit(0));

/** One event per topic, serialised once, sent to every socket of the topic. */
function publish(projectIds: string[], round: number): number {
  let published = 0;
  for (const id of projectIds) {
    const sockets = topics.get(id);
    if (!sockets?.size) continue;
    const event = benchEvent(id, round);
    const frame = Buffer.from(JSON.stringify({ id: '1', type: 'next', payload: { data: { projectStatus: event } } }));
    for (const ws of sockets) ws.send(frame);
    published += 1;
  }
  return published;
}
