/**
 * One event at a time, round-robin over the projects, at a steady `perSecond`, for
 * `durationMs`: the paced load of the fan-out scenario, run inside the publishing process
 * (server probe or raw baseline) so no IPC hop jitters the pace. Each event gets its own round
 * number (from `firstRound` up), which also keeps its sequence rising.
 */
export interface PacedSpec {
  projectIds: string[];
  perSecond: number;
  durationMs: number;
  firstRound: number;
}

export async function publishPaced(spec: PacedSpec, publishOne: (projectId: string, round: number) => unknown): Promise<number> {
  const began = performance.now();
  let sent = 0;
  while (true) {
    const elapsed = performance.now() - began;
    if (elapsed >= spec.durationMs) return sent;
    const due = Math.floor((elapsed * spec.perSecond) / 1000);
    for (; sent < due; sent++) publishOne(spec.projectIds[sent % spec.projectIds.length]!, spec.firstRound + sent);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
