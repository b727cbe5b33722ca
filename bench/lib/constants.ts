/** Lease owner of the runs the claim baseline creates; the orchestrator closes them after use. */
export const BASELINE_OWNER = 'bench-baseline';

/** Events the bench publishes carry `bench:<round>:<publish epoch ms>` as their message. */
export function parseBenchMessage(message: unknown): { round: number; publishedAt: number } | null {
  if (typeof message !== 'string' || !message.startsWith('bench:')) return null;
  const [, round, at] = message.split(':');
  return { round: Number(round), publishedAt: Number(at) };
}

/**
 * The event the bench publishes for `projectId` in `round`, shaped as the runner's
 * `ProjectStatusEvent` and stamped with the time of its publish in `message`, so a subscriber in
 * another process measures publish → receive. Sequences are far above real ones and rise per
 * round, so the status stream's duplicate filter passes them as it would real events.
 */
export function benchEvent(projectId: string, round: number) {
  const t = performance.timeOrigin + performance.now();
  return {
    projectId,
    runId: null,
    sequence: 1_000_000_000 + round,
    status: 'PROCESSING',
    stage: 'EXTRACT',
    progress: 0.5,
    message: `bench:${round}:${t.toFixed(3)}`,
    errorMessage: null,
    at: new Date(t),
  };
}
