import type { ConsoleRunFragment } from '../generated/graphql';
import type { ProjectStatusEvent } from '../lib/watch-project-status';

const STATUS_TEXT: Record<string, string> = {
  PENDING: 'waiting',
  RUNNING: 'running',
  DONE: 'done',
  SKIPPED: 'skipped (earlier result still holds)',
  FAILED: 'failed',
};

/** One progress bar per pipeline stage, with the messages that stage has sent. */
export function RunStages({ stages, events }: { stages: ConsoleRunFragment['stages']; events: ProjectStatusEvent[] }) {
  return (
    <ol className="stages">
      {stages.map((s) => {
        const id = `stage-${s.stage}`;
        const done = s.status === 'DONE' || s.status === 'SKIPPED';
        const messages = events.filter((e) => e.stage === s.stage && e.message).map((e) => ({ seq: e.sequence, text: e.message! }));
        return (
          <li key={s.stage} className={`stage stage-${s.status.toLowerCase()}`} data-stage={s.stage} data-status={s.status}>
            <label htmlFor={id}>
              <strong>{s.stage}</strong> <span className="muted">{STATUS_TEXT[s.status] ?? s.status}</span>
            </label>
            <progress id={id} max={1} value={done ? 1 : s.progress}>
              {Math.round((done ? 1 : s.progress) * 100)}%
            </progress>
            {messages.length > 0 && (
              <ul className="messages" aria-label={`${s.stage} messages`}>
                {messages.map((m) => (
                  <li key={m.seq}>{m.text}</li>
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ol>
  );
}
