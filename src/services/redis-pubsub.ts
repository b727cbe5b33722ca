import type { PubSubEventTarget } from 'graphql-yoga';
import type { Logger } from './logger.js';
import { createAppPubSub, type AppPubSub, type ProjectStatusEvent, type Topics } from './pubsub.js';
import { createRedisClient } from './redis-clients.js';

/** What yoga's pubsub dispatches and listens for: a topic and its payload. */
type StatusTopicEvent = { type: string; detail: ProjectStatusEvent };
type Listener = (event: StatusTopicEvent) => void;

/**
 * Pubsub over Redis, for several server processes: a run executing in one process reaches
 * subscribers connected to any other. Redis pubsub is at-most-once, and Redis may be away for a
 * while; what this adds to a plain Redis event target so that costs live delivery, never a
 * process, a run or a stored event:
 *
 * - a publish that fails is logged (once per outage) and swallowed: the event is stored in
 *   `project_status_events` already. The latest failed STORED event of each project is
 *   published again when Redis is back, so a subscriber whose own connection never dropped
 *   still learns (by the event's `storedBefore`) that it missed something, and reads it back;
 * - subscribing never fails (commands wait for the connection), every channel is subscribed
 *   again on each reconnection, and only then are `onReconnect` listeners called: the status hub
 *   re-reads what its streams may have missed while the connection was down.
 */
export function createRedisPubSub(
  url: string,
  args: { logger: Logger; keyPrefix: string },
): { pubsub: AppPubSub; onReconnect(listener: () => void): void; connected(): boolean; close(): Promise<void> } {
  const { logger, keyPrefix } = args;
  const publisher = createRedisClient(url, {
    logger,
    role: 'publish',
    whileDown: 'status events are stored but not published; subscribers read them back once it returns',
    // Fail at once while disconnected rather than queue without bound.
    options: { enableOfflineQueue: false, maxRetriesPerRequest: 0 },
  });
  const subscriber = createRedisClient(url, {
    logger,
    role: 'subscribe',
    whileDown: 'live events from other processes pause; every live subscription re-reads them once it returns',
    options: { maxRetriesPerRequest: null },
  });
  const log = logger.child({ component: 'redis-pubsub' });

  const callbacks = new Map<string, Set<Listener>>();
  const channelOf = (topic: string) => keyPrefix + topic;
  const topicOf = (channel: string) => channel.slice(keyPrefix.length);

  subscriber.client.on('message', (channel: string, message: string) => {
    const listeners = callbacks.get(topicOf(channel));
    if (!listeners) return;
    let detail: ProjectStatusEvent;
    try {
      detail = JSON.parse(message) as ProjectStatusEvent;
    } catch {
      return;
    }
    const event: StatusTopicEvent = { type: topicOf(channel), detail };
    for (const listener of listeners) listener(event);
  });

  /** Per topic: the latest stored event whose publish failed (a tick only if no stored one). */
  const unpublished = new Map<string, ProjectStatusEvent>();
  let publishFailing = false;
  const publish = (topic: string, detail: ProjectStatusEvent) => {
    publisher.client.publish(channelOf(topic), JSON.stringify(detail)).then(
      () => undefined,
      (err: Error) => {
        if (!publishFailing) log.warn({ err: { message: err.message }, topic }, 'could not publish a status event; it is stored, and subscribers will read it back');
        publishFailing = true;
        if (detail.stored !== false || !unpublished.has(topic)) unpublished.set(topic, detail);
      },
    );
  };
  publisher.onReady(() => {
    publishFailing = false;
    const again = [...unpublished];
    unpublished.clear();
    for (const [topic, detail] of again) publish(topic, detail);
  });

  const reconnectListeners: (() => void)[] = [];
  subscriber.onReady(() => {
    const channels = [...callbacks.keys()].map(channelOf);
    const resubscribed = channels.length > 0 ? subscriber.client.subscribe(...channels) : Promise.resolve(0);
    resubscribed.then(
      () => reconnectListeners.forEach((listener) => listener()),
      (err: Error) => log.warn({ err: { message: err.message } }, 'could not subscribe again after reconnecting'),
    );
  });

  // yoga's pubsub registers plain functions, one per subscription.
  const eventTarget = {
    addEventListener(topic: string, listener: Listener | null) {
      if (!listener) return;
      let set = callbacks.get(topic);
      if (!set) {
        callbacks.set(topic, (set = new Set()));
        // Waits for the connection while Redis is away; a reconnection subscribes again anyway.
        subscriber.client.subscribe(channelOf(topic)).catch((err: Error) => log.debug({ err: { message: err.message }, topic }, 'subscribe failed'));
      }
      set.add(listener);
    },
    removeEventListener(topic: string, listener: Listener | null) {
      const set = callbacks.get(topic);
      if (!listener || !set?.delete(listener) || set.size > 0) return;
      callbacks.delete(topic);
      subscriber.client.unsubscribe(channelOf(topic)).catch(() => undefined);
    },
    dispatchEvent(event: StatusTopicEvent) {
      publish(event.type, event.detail);
      return true;
    },
  } as unknown as PubSubEventTarget<Topics>;

  return {
    pubsub: createAppPubSub(eventTarget),
    onReconnect: (listener) => void reconnectListeners.push(listener),
    connected: () => publisher.isReady() && subscriber.isReady(),
    async close() {
      await Promise.all([publisher.close(), subscriber.close()]);
    },
  };
}
