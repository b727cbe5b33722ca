import type { ProjectStatusEvent } from '../lib/watch-project-status';

/** Every event this page received, once each, by sequence: what the live view was built from. */
export function ActivityLog({ events }: { events: ProjectStatusEvent[] }) {
  return (
    <details className="activity">
      <summary>Activity ({events.length} events)</summary>
      <ol aria-label="Activity">
        {events.map((e) => (
          <li key={e.sequence} data-sequence={e.sequence}>
            <span className="muted">
              #{e.sequence} {new Date(e.at).toLocaleTimeString()}
            </span>{' '}
            {e.status}
            {e.stage ? ` · ${e.stage}` : ''} · {Math.round(e.progress * 100)}%{e.message ? ` · ${e.message}` : ''}
            {e.errorMessage ? ` · ${e.errorMessage}` : ''}
          </li>
        ))}
      </ol>
    </details>
  );
}
