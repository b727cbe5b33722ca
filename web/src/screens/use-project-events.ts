import { useEffect, useRef, useState } from 'react';
import { useConsole } from '../app';
import { errorCode, plainMessage } from '../lib/errors';
import { watchProjectStatus, type ProjectStatusEvent } from '../lib/watch-project-status';

/**
 * The project's status events, live, each once, across reconnects (watchProjectStatus does the
 * resuming). `onEvent` runs after each one is added, e.g. to refetch what it changed.
 */
export function useProjectEvents(projectId: string, onEvent: (event: ProjectStatusEvent) => void) {
  const { clients, signOut } = useConsole();
  const [events, setEvents] = useState<ProjectStatusEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const callback = useRef(onEvent);
  callback.current = onEvent;

  useEffect(() => {
    setEvents([]);
    const watch = watchProjectStatus(clients.ws, {
      projectId,
      onEvent(event) {
        setEvents((list) => [...list, event]);
        callback.current(event);
      },
      onError(err) {
        if (errorCode(err) === 'UNAUTHENTICATED') signOut('Your session has ended. Please sign in again.');
        else setError(plainMessage(err));
      },
    });
    return () => watch.stop();
  }, [clients, projectId, signOut]);

  return { events, latest: events.at(-1) ?? null, error };
}
