/** Lease owner of the runs the claim baseline creates; the orchestrator closes them after use. */
export const BASELINE_OWNER = 'bench-baseline';

/** Events the bench publishes carry `bench:<round>:<publish epoch ms>` as their message. */
export function parseBenchMessage(message: unknown): { round: number; publishedAt: number } | null {
  if (typeof message !== 'string' || !message.startsWith('bench:')) return null;
  const [, round, at] = message.split(':');
  return { round: Number(round), publishedAt: Number(at) };
}
