import type { Client } from 'graphql-ws';
import { wsClient } from './client.js';
import { STATUS, type StatusEvent } from './operations.js';

type Event = StatusEvent['projectStatus'];

const FINAL = new Set(['COMPLETED', 'ERROR', 'CANCELLED']);

/**
 * Follows a project's status the way a browser that reconnects would: subscribed on one API
 * process; when that process goes away, subscribed again on another with `afterSequence` set to
 * the last sequence seen. Resolves `final` with every event received once a final status
 * arrives. `pickApi` names a process that is up (the test keeps one up at all times).
 */
export function follow(pickApi: () => { wsUrl: string }, token: string, projectId: string, timeoutMs = 120_000) {
  const events: Event[] = [];
  let waiters: { predicate: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];
  let reconnects = 0;
  let client: Client | null = null;
  const final = new Promise<Event[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no final status for ${projectId} within ${timeoutMs} ms; last: ${JSON.stringify(events.slice(-3))}`)), timeoutMs);
    let finished = false;
    const subscribe = () => {
      const after = events.at(-1)?.sequence ?? null;
      const current = wsClient(pickApi().wsUrl, token);
      client = current;
      const again = () => {
        void current.dispose();
        if (finished) return;
        reconnects += 1;
        if (reconnects > 50) return reject(new Error(`gave up after ${reconnects} reconnects`));
        subscribe();
      };
      current.subscribe<StatusEvent>(
        { query: STATUS, variables: { id: projectId, after } },
        {
          next: (result) => {
            const event = result.data?.projectStatus;
            if (!event) return;
            events.push(event);
            waiters = waiters.filter((w) => (w.predicate(event) ? (w.resolve(event), false) : true));
            if (FINAL.has(event.status)) {
              finished = true;
              clearTimeout(timer);
              void current.dispose();
              resolve(events);
            }
          },
          error: again,
          complete: again,
        },
      );
    };
    subscribe();
  });
  return {
    events,
    final,
    /** The first event, received already or to come, matching `predicate`. */
    seen(predicate: (e: Event) => boolean): Promise<Event> {
      const already = events.find(predicate);
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    get reconnects() {
      return reconnects;
    },
    close: () => client?.dispose(),
  };
}
