/**
 * Starts pipelines through the API and times each to its final event (graphql-ws), in its own
 * process: start → COMPLETED (or ERROR / REVIEWING / CANCELLED, reported as such).
 */
import { START, STATUS } from '../lib/graphql.js';
import { ProtocolSocket, type NextPayload } from '../lib/gql-ws.js';
import { createPoster } from '../lib/http-client.js';
import { serveParent } from '../lib/ipc.js';
import { nowMs } from '../lib/stats.js';

interface Spec {
  httpBase: string;
  wsUrl: string;
  token: string;
  projectIds: string[];
  timeoutMs: number;
}

interface Final {
  status: string;
  message: string | null;
  errorMessage: string | null;
  at: number;
}

const FINAL = new Set(['COMPLETED', 'ERROR', 'REVIEWING', 'CANCELLED']);

async function run(spec: Spec) {
  const socket = await ProtocolSocket.connect(spec.wsUrl, { token: spec.token });
  const poster = createPoster(spec.httpBase, spec.projectIds.length);
  try {
    const finals = await Promise.all(
      spec.projectIds.map(async (projectId, i) => {
        let resolveFinal!: (f: Final) => void;
        const final = new Promise<Final>((resolve) => (resolveFinal = resolve));
        let events = 0;
        const onNext = (payload: NextPayload, at: number) => {
          const e = (payload.data as { projectStatus?: { status: string; message: string | null; errorMessage: string | null } } | null)?.projectStatus;
          events += 1;
          if (e && FINAL.has(e.status)) resolveFinal({ status: e.status, message: e.message, errorMessage: e.errorMessage, at });
        };
        // The stream ending first (the server gone, the socket closed) is an outcome too, else
        // the wait below would last the whole timeout.
        const onEnd = (error?: unknown) =>
          resolveFinal({ status: 'ENDED', message: null, errorMessage: `status stream ended before a final event: ${error instanceof Error ? error.message : JSON.stringify(error ?? 'complete')}`, at: nowMs() });
        await socket.subscribe(String(i + 1), STATUS, { projectId }, onNext, onEnd);
        return { projectId, final, events: () => events, id: String(i + 1) };
      }),
    );
    const t0 = nowMs();
    const responses = await Promise.all(
      spec.projectIds.map((projectId) =>
        poster.post('/graphql', JSON.stringify({ query: START, variables: { projectId } }), { authorization: `Bearer ${spec.token}` }),
      ),
    );
    const bad = responses.find((r) => r.status !== 200 || r.body.includes('"errors"'));
    if (bad) throw new Error(`startProcessing failed: ${bad.status} ${bad.body.slice(0, 500)}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`pipelines did not finish within ${spec.timeoutMs} ms`)), spec.timeoutMs);
    });
    try {
      return await Promise.all(
        finals.map(async (f) => {
          const done = await Promise.race([f.final, timeout]);
          if (done.status === 'ENDED') throw new Error(`project ${f.projectId}: ${done.errorMessage}`);
          socket.complete(f.id);
          return { projectId: f.projectId, status: done.status, message: done.errorMessage ?? done.message, ms: done.at - t0, events: f.events() };
        }),
      );
    } finally {
      clearTimeout(timer);
    }
  } finally {
    poster.close();
    await socket.close();
  }
}

serveParent({ run: (spec: Spec) => run(spec) });
