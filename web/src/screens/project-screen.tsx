import { useMutation, useQuery } from '@apollo/client/react';
import { useCallback, useRef, useState } from 'react';
import {
  ConsoleCancelProcessingDocument,
  ConsoleProjectDetailDocument,
  ConsoleStartProcessingDocument,
} from '../generated/graphql';
import { plainMessage } from '../lib/errors';
import { onLinkClick } from '../lib/router';
import type { ProjectStatusEvent } from '../lib/watch-project-status';
import { ActivityLog } from './activity-log';
import { ReportView } from './report-view';
import { ReviewStep } from './review-step';
import { RunStages } from './run-stages';
import { StatusBadge } from './status-badge';
import { UploadZone } from './upload-zone';
import { useProjectEvents } from './use-project-events';

const FINAL = new Set(['COMPLETED', 'REVIEWING', 'ERROR', 'CANCELLED']);

/** One project: its documents, Process / Cancel, the live run, then review or the report. */
export function ProjectScreen({ projectId }: { projectId: string }) {
  const detail = useQuery(ConsoleProjectDetailDocument, { variables: { id: projectId }, fetchPolicy: 'cache-and-network' });
  const [start] = useMutation(ConsoleStartProcessingDocument);
  const [cancel] = useMutation(ConsoleCancelProcessingDocument);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [reportVersion, setReportVersion] = useState(0);

  // Every event may change the stage rows: refetch them, one request at a time (events can
  // come four times a second per project; the latest state is all that matters).
  const refetching = useRef<{ running: boolean; again: boolean }>({ running: false, again: false });
  const refetch = detail.refetch;
  const refresh = useCallback(() => {
    const state = refetching.current;
    if (state.running) return void (state.again = true);
    state.running = true;
    void refetch()
      .catch(() => undefined)
      .finally(() => {
        state.running = false;
        if (state.again) {
          state.again = false;
          refresh();
        }
      });
  }, [refetch]);
  const onEvent = useCallback(
    (event: ProjectStatusEvent) => {
      refresh();
      if (FINAL.has(event.status)) setReportVersion((v) => v + 1);
    },
    [refresh],
  );
  const { events, latest, error: watchError } = useProjectEvents(projectId, onEvent);

  const project = detail.data?.project;
  if (detail.error && !project) {
    return (
      <p className="error" role="alert">
        {plainMessage(detail.error)}
      </p>
    );
  }
  if (!project) return detail.loading ? <p>Loading…</p> : <p role="alert">This project does not exist, or it belongs to another firm.</p>;

  // The live event is newer than the last fetch whenever they differ.
  const status = latest?.status ?? project.status;
  const processing = status === 'PROCESSING' || status === 'QUEUED';
  const run = project.latestRun;
  const failedStage = latest?.status === 'ERROR' ? latest.stage : run?.stages.find((s) => s.status === 'FAILED')?.stage;
  const errorMessage = latest?.status === 'ERROR' ? latest.errorMessage : project.errorMessage;

  async function act(action: () => Promise<unknown>) {
    setBusy(true);
    setActionError(null);
    try {
      await action();
    } catch (err) {
      setActionError(plainMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <a href="/" onClick={onLinkClick}>
          Projects
        </a>{' '}
        › {project.name}
      </nav>
      <section className="card" aria-labelledby="project-title">
        <h1 id="project-title">
          {project.name} <StatusBadge status={status} />
        </h1>
        {project.clientName && <p>Client: {project.clientName}</p>}
        <UploadZone projectId={projectId} disabled={processing} onUploaded={refresh} />
        {project.documents.length > 0 && (
          <ul className="documents" aria-label="Uploaded documents">
            {project.documents.map((d) => (
              <li key={d.id}>
                {d.filename} <span className="muted">({(d.sizeBytes / 1024).toFixed(1)} KB)</span>
              </li>
            ))}
          </ul>
        )}
        <div className="actions">
          <button
            type="button"
            disabled={busy || processing || project.documents.length === 0 || status === 'REVIEWING'}
            onClick={() => act(() => start({ variables: { projectId } }).then(refresh))}
          >
            Process
          </button>
          {processing && (
            <button type="button" className="secondary" disabled={busy} onClick={() => act(() => cancel({ variables: { projectId } }))}>
              Cancel
            </button>
          )}
        </div>
        {actionError && (
          <p className="error" role="alert">
            {actionError}
          </p>
        )}
        {watchError && (
          <p className="error" role="alert">
            Live updates stopped: {watchError}
          </p>
        )}
      </section>

      {run && (
        <section className="card" aria-labelledby="run-title">
          <h2 id="run-title">Run</h2>
          {status === 'ERROR' && (
            <div className="failure" role="alert" data-testid="run-error">
              <strong>Processing failed{failedStage ? ` at ${failedStage}` : ''}.</strong> {errorMessage}
            </div>
          )}
          {status === 'CANCELLED' && <p role="status">Processing was cancelled.</p>}
          <RunStages stages={run.stages} events={events.filter((e) => e.runId === run.id)} />
          <ActivityLog events={events} />
        </section>
      )}

      {status === 'REVIEWING' && <ReviewStep key={`review-${reportVersion}`} projectId={projectId} onContinued={refresh} />}
      {status === 'COMPLETED' && <ReportView key={`report-${reportVersion}`} projectId={projectId} />}
    </>
  );
}
