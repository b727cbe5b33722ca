import type { Sql } from '../database/sql.js';
import { EVENT_COLUMNS } from './pipeline/run-store.js';
import { metrics } from './metrics.js';
import type { AppPubSub, ProjectStatusEvent } from './pubsub.js';

/** Receives a project's events from the hub, in publish order. */
export interface Sink {
  receive(event: ProjectStatusEvent): void;
  /** The live feed may have lost events (Redis reconnected): read back what was missed. */
  resync?(): void;
}

/**
 * One pubsub listener per project, however many subscribers it has: subscribers attach a
 * sink, and the hub hands each event (the same object) to every sink of its project. Saves a
 * listener and an async iterator per subscriber, and lets execution results be shared.
 *
 * Reading back missed events goes through the hub too (`fill`): the sinks of one project see
 * the same feed, so they find the same gap in the same delivery, and one query serves them all.
 */
export function createStatusHub(pubsub: AppPubSub) {
  const projects = new Map<string, { sinks: Set<Sink>; stop: () => void }>();
  /** Fills asked for in the current turn of the event loop, sent together at its end. */
  const fills = new Map<string, { after: number; sql: Sql; promise: Promise<ProjectStatusEvent[]>; settle: (p: Promise<ProjectStatusEvent[]>) => void }>();

  function listen(projectId: string, sinks: Set<Sink>): () => void {
    const iterator = pubsub.subscribe('project:status', projectId)[Symbol.asyncIterator]();
    // The first next() registers the listener synchronously: attach() returns subscribed.
    let pending = iterator.next();
    void (async () => {
      while (true) {
        const result = await pending;
        if (result.done) return;
        pending = iterator.next();
        for (const sink of sinks) sink.receive(result.value);
        metrics.eventsDelivered(sinks.size);
      }
    })();
    return () => void iterator.return?.();
  }

  return {
    /** Starts delivering `projectId`'s events to `sink` now. */
    attach(projectId: string, sink: Sink): void {
      let entry = projects.get(projectId);
      if (!entry) {
        const sinks = new Set<Sink>();
        entry = { sinks, stop: listen(projectId, sinks) };
        projects.set(projectId, entry);
      }
      if (entry.sinks.has(sink)) return;
      entry.sinks.add(sink);
      metrics.subscriptionAttached();
    },
    /** Stops delivering to `sink`; the project's listener goes with its last sink. */
    detach(projectId: string, sink: Sink): void {
      const entry = projects.get(projectId);
      if (!entry?.sinks.delete(sink)) return;
      metrics.subscriptionDetached();
      if (entry.sinks.size > 0) return;
      projects.delete(projectId);
      entry.stop();
    },
    /**
     * The project's stored events after `after`, in order. Asks made in the same turn of the
     * event loop share one query (from the lowest `after`); an ask made after a query was sent
     * gets a query of its own, so it sees everything committed before it asked.
     */
    fill(sql: Sql, projectId: string, after: number): Promise<ProjectStatusEvent[]> {
      const open = fills.get(projectId);
      if (open) {
        open.after = Math.min(open.after, after);
        return open.promise;
      }
      let settle!: (p: Promise<ProjectStatusEvent[]>) => void;
      const promise = new Promise<ProjectStatusEvent[]>((resolve) => (settle = resolve));
      const ask = { after, sql, promise, settle };
      fills.set(projectId, ask);
      queueMicrotask(() => {
        fills.delete(projectId);
        ask.settle(
          ask.sql.query<ProjectStatusEvent>(
            `select ${EVENT_COLUMNS} from project_status_events where project_id = $1 and sequence > $2 order by sequence`,
            [projectId, ask.after],
          ),
        );
      });
      return promise;
    },
    /** Every sink reads back what it may have missed (called when Redis is back). */
    resync(): void {
      for (const { sinks } of projects.values()) for (const sink of sinks) sink.resync?.();
    },
    /** Projects with at least one subscriber (for tests and metrics). */
    size: () => projects.size,
  };
}
export type StatusHub = ReturnType<typeof createStatusHub>;
