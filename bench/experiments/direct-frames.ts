/**
 * EXPERIMENT (not used by the service): the fan-out proposed for src/ws.ts, served by
 * ./server.ts with EXP_DIRECT_FRAMES=1. One pubsub listener per project; per event, one
 * execution and one JSON.stringify per distinct operation among that project's subscribers;
 * then per subscriber only a string concatenation and `socket.send`, with no async iterator,
 * promise or per-subscriber execution on the hot path. graphql-ws still owns each
 * subscription's life (subscribe, complete, errors): its iterator yields the current state
 * (or the backlog), and once that has gone out the subscriber is switched to direct frames.
 */
import { execute, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { WebSocket } from 'ws';
import type { Sql } from '../../src/database/sql.js';
import { EVENT_COLUMNS } from '../../src/services/pipeline/run-store.js';
import type { AppPubSub, ProjectStatusEvent } from '../../src/services/pubsub.js';

interface Subscriber {
  socket: WebSocket;
  /** `{"id":"<id>","type":"next","payload":` — the frame up to the payload. */
  head: string;
  key: string;
  document: DocumentNode;
  variables: Record<string, unknown> | undefined;
  last: number;
  /** Live events that arrive while the backlog is read; null once it has been. */
  early: ProjectStatusEvent[] | null;
  live: boolean;
  queue: ExecutionResult[];
  wake: (() => void) | null;
  closed: boolean;
}

export function createDirectFrameHub({ schema, sql, pubsub }: { schema: GraphQLSchema; sql: Sql; pubsub: AppPubSub }) {
  const topics = new Map<string, { subscribers: Set<Subscriber>; stop: () => void }>();
  const run = (sub: Subscriber, event: ProjectStatusEvent) =>
    execute({ schema, document: sub.document, rootValue: event, contextValue: {}, variableValues: sub.variables }) as ExecutionResult;

  function open(projectId: string) {
    const source = pubsub.subscribe('project:status', projectId)[Symbol.asyncIterator]();
    const topic = { subscribers: new Set<Subscriber>(), stop: () => void source.return?.() };
    topics.set(projectId, topic);
    let pending = source.next();
    void (async () => {
      while (true) {
        const next = await pending;
        if (next.done) return;
        pending = source.next();
        const event = next.value;
        const frames = new Map<string, string>();
        for (const sub of topic.subscribers) {
          if (sub.early) {
            sub.early.push(event);
            continue;
          }
          if (event.sequence <= sub.last) continue;
          sub.last = event.sequence;
          if (!sub.live) {
            sub.queue.push(run(sub, event));
            sub.wake?.();
            continue;
          }
          let payload = frames.get(sub.key);
          if (payload === undefined) frames.set(sub.key, (payload = JSON.stringify(run(sub, event))));
          sub.socket.send(sub.head + payload + '}');
        }
      }
    })();
    return topic;
  }

  return {
    async join(args: {
      socket: WebSocket;
      id: string;
      projectId: string;
      query: string;
      document: DocumentNode;
      variables: Record<string, unknown> | undefined;
      afterSequence: number | null;
    }): Promise<AsyncIterableIterator<ExecutionResult>> {
      const sub: Subscriber = {
        socket: args.socket,
        head: `{"id":${JSON.stringify(args.id)},"type":"next","payload":`,
        key: `${args.query}\u0000${JSON.stringify(args.variables ?? {})}`,
        document: args.document,
        variables: args.variables,
        last: args.afterSequence ?? -1,
        early: [],
        live: false,
        queue: [],
        wake: null,
        closed: false,
      };
      const topic = topics.get(args.projectId) ?? open(args.projectId);
      // Attached before the backlog is read: nothing falls between the two.
      topic.subscribers.add(sub);
      const backlog =
        args.afterSequence == null
          ? await sql.query<ProjectStatusEvent>(
              `select p.id as "projectId", e.run_id as "runId", p.last_sequence as sequence, p.status,
                      p.current_stage as stage, p.progress, e.message, p.error_message as "errorMessage", p.updated_at as at
               from cma_projects p
               left join lateral (select run_id, message from project_status_events
                                  where project_id = p.id order by sequence desc limit 1) e on true
               where p.id = $1`,
              [args.projectId],
            )
          : await sql.query<ProjectStatusEvent>(
              `select ${EVENT_COLUMNS} from project_status_events where project_id = $1 and sequence > $2 order by sequence`,
              [args.projectId, args.afterSequence],
            );
      for (const event of [...backlog, ...(sub.early ?? [])]) {
        if (event.sequence <= sub.last) continue;
        sub.last = event.sequence;
        sub.queue.push(run(sub, event));
      }
      sub.early = null;
      const leave = () => {
        sub.closed = true;
        topic.subscribers.delete(sub);
        if (topic.subscribers.size === 0 && topics.get(args.projectId) === topic) {
          topics.delete(args.projectId);
          topic.stop();
        }
        sub.wake?.();
      };
      const iterator: AsyncIterableIterator<ExecutionResult> = {
        [Symbol.asyncIterator]() {
          return iterator;
        },
        async next() {
          // graphql-ws asks for the next result once the previous one is sent: when the queue
          // is empty here, everything before is out and the subscriber can go direct.
          while (sub.queue.length === 0 && !sub.closed) {
            sub.live = true;
            await new Promise<void>((resolve) => (sub.wake = resolve));
          }
          sub.wake = null;
          const value = sub.queue.shift();
          return value ? { done: false, value } : { done: true, value: undefined };
        },
        async return() {
          leave();
          return { done: true, value: undefined };
        },
      };
      return iterator;
    },
  };
}
