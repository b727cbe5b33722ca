/**
 * Fan-out subscribers in their own process: one socket per subscriber, each with one
 * subscription (graphql-ws to the service, or the raw baseline protocol), bound to varied
 * 127.x.y.z source addresses so thousands of connections never run out of ports. Counts each
 * published round and tells the parent when every socket of this process has received it.
 */
import { parseBenchMessage } from '../lib/constants.js';
import { STATUS } from '../lib/graphql.js';
import { ProtocolSocket, type NextPayload } from '../lib/gql-ws.js';
import { notifyParent, serveParent } from '../lib/ipc.js';

interface ConnectSpec {
  url: string;
  raw: boolean;
  token?: string;
  /** One subscriber per entry: the project (topic) it subscribes to. */
  topics: string[];
  /** e.g. `127.12.3`: subscriber i binds `${sourcePrefix}.${1 + (i % 250)}`. */
  sourcePrefix: string;
  parallel: number;
  /** False: connect (and for graphql-ws, connection_init) only, no subscription. */
  subscribe?: boolean;
}

let sockets: ProtocolSocket[] = [];
let warmupRounds = 0;
/** Paced mode: every event goes to one project's subscribers only; no per-round accounting. */
let paced = false;
let latencies: number[] = [];
const perRound = new Map<number, number>();
let received = 0;
let ended = 0;

function onNext(payload: NextPayload, at: number): void {
  const event = (payload.data as { projectStatus?: { message?: unknown } } | null | undefined)?.projectStatus;
  const bench = parseBenchMessage(event?.message);
  if (!bench) return;
  received += 1;
  if (bench.round > warmupRounds) latencies.push(at - bench.publishedAt);
  if (paced) return;
  const count = (perRound.get(bench.round) ?? 0) + 1;
  perRound.set(bench.round, count);
  if (count === sockets.length) {
    perRound.delete(bench.round);
    notifyParent('round', { round: bench.round });
  }
}

async function connect(spec: ConnectSpec) {
  const began = performance.now();
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const opened: ProtocolSocket[] = [];
  const worker = async () => {
    while (next < spec.topics.length) {
      const i = next++;
      try {
        const socket = await ProtocolSocket.connect(spec.url, {
          raw: spec.raw,
          token: spec.token,
          localAddress: `${spec.sourcePrefix}.${1 + (i % 250)}`,
        });
        if (spec.subscribe !== false) await socket.subscribe('1', STATUS, { projectId: spec.topics[i] }, onNext, () => (ended += 1));
        opened.push(socket);
      } catch (err) {
        failed += 1;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, spec.parallel) }, worker));
  sockets = opened;
  return { connected: opened.length, failed, firstError, ms: performance.now() - began };
}

serveParent({
  connect: (spec: ConnectSpec) => connect(spec),
  /** Rounds up to `warmup` are delivered and counted but their latencies are not kept. */
  arm: ({ warmup, paced: isPaced = false }: { warmup: number; paced?: boolean }) => {
    warmupRounds = warmup;
    paced = isPaced;
    latencies = [];
    perRound.clear();
    received = 0;
    return true;
  },
  report: () => ({
    latencies,
    received,
    open: sockets.filter((s) => s.open).length,
    ended,
    incompleteRounds: [...perRound.entries()].map(([round, count]) => ({ round, count })),
  }),
  close: async () => {
    await Promise.all(sockets.map((s) => s.close()));
    const closed = sockets.length;
    sockets = [];
    return closed;
  },
});
