/**
 * Time from sending startProcessing to the subscriber receiving the run's first PROCESSING
 * event, one client, in its own process. For each fresh project: subscribe, wait for the
 * current state, then send the mutation over HTTP and wait for the event on the socket.
 * `baseline` does the same against the claim baseline (POST /claim, raw ws push), `floor`
 * against its bare graphql-yoga (POST /graphql with the service's document, raw ws push).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { START, STATUS } from '../lib/graphql.js';
import { ProtocolSocket, type NextPayload } from '../lib/gql-ws.js';
import { createPoster } from '../lib/http-client.js';
import { serveParent } from '../lib/ipc.js';
import { nowMs, summarize } from '../lib/stats.js';

interface Spec {
  mode: 'server' | 'baseline' | 'floor';
  httpBase: string;
  wsUrl: string;
  token: string;
  firmId: string;
  projectIds: string[];
  warmup: number;
}

async function run(spec: Spec) {
  const raw = spec.mode !== 'server';
  const socket = await ProtocolSocket.connect(spec.wsUrl, { raw, token: spec.token });
  const poster = createPoster(spec.httpBase, 1);
  const firstEvent: number[] = [];
  const response: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  try {
    for (const [i, projectId] of spec.projectIds.entries()) {
      const id = raw ? '1' : String(i + 1);
      let resolveEvent!: (at: number) => void;
      const processing = new Promise<number>((resolve) => (resolveEvent = resolve));
      const onNext = (payload: NextPayload, at: number) => {
        const status = (payload.data as { projectStatus?: { status?: string } } | null)?.projectStatus?.status;
        if (status === 'PROCESSING') resolveEvent(at);
      };
      await socket.subscribe(id, STATUS, { projectId }, onNext);
      const t0 = nowMs();
      const res = spec.mode === 'baseline'
        ? await poster.post('/claim', JSON.stringify({ projectId, firmId: spec.firmId }))
        : await poster.post('/graphql', JSON.stringify({ query: START, variables: { projectId } }), { authorization: `Bearer ${spec.token}` });
      const t1 = nowMs();
      const at = await Promise.race([processing, sleep(10_000).then(() => null)]);
      socket.complete(id);
      if (res.status !== 200 || res.body.includes('"errors"') || at === null) {
        errors += 1;
        firstError ??= at === null ? 'no PROCESSING event within 10 s' : `${res.status} ${res.body.slice(0, 300)}`;
        continue;
      }
      if (i < spec.warmup) continue;
      firstEvent.push(at - t0);
      response.push(t1 - t0);
    }
  } finally {
    poster.close();
    await socket.close();
  }
  return { firstEvent: summarize(firstEvent), response: summarize(response), errors, firstError };
}

serveParent({ run: (spec: Spec) => run(spec) });
