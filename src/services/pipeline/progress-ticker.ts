import type { PipelineStage } from '../../entities/index.js';
import type { ProjectStatusEvent } from '../pubsub.js';

/**
 * Throttles a run's progress reports to at most one write + publish per `intervalMs`, and makes
 * sure the last value reported is written even if no further report comes. One write in flight
 * at a time, so ticks never overtake each other.
 */
export class ProgressTicker {
  private latest: { stage: PipelineStage; stageProgress: number; progress: number } | null = null;
  private lastWriteAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly write: (t: { stage: PipelineStage; stageProgress: number; progress: number }) => Promise<ProjectStatusEvent | null>,
    private readonly onError: (err: unknown) => void,
    private readonly intervalMs = 250,
  ) {}

  report(stage: PipelineStage, stageProgress: number, progress: number): void {
    this.latest = { stage, stageProgress, progress };
    if (this.timer || this.inFlight) return;
    const wait = this.lastWriteAt + this.intervalMs - Date.now();
    if (wait <= 0) this.writeLatest();
    else this.timer = setTimeout(() => this.writeLatest(), wait).unref();
  }

  private writeLatest(): void {
    this.timer = null;
    const value = this.latest;
    if (!value) return;
    this.latest = null;
    this.lastWriteAt = Date.now();
    this.inFlight = this.write(value)
      .then(() => undefined, this.onError)
      .finally(() => {
        this.inFlight = null;
        if (this.latest && !this.timer) this.report(this.latest.stage, this.latest.stageProgress, this.latest.progress);
      });
  }

  /** Drops anything unwritten and waits for a write in flight: call before a status change. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.latest = null;
    while (this.inFlight) await this.inFlight;
  }
}
