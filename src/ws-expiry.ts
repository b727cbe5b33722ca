/**
 * Items that expire at a whole second (a token's `exp`), with one timer for the earliest
 * second instead of a timer per item: each item costs one Set entry. Expired items are handed
 * to `onExpired` at their second, as a timer of their own would.
 */
export class ExpiryQueue<T> {
  private readonly bySecond = new Map<number, Set<T>>();
  /** The seconds in `bySecond`, ascending. New tokens expire last, so inserts are appends. */
  private seconds: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerFor = Infinity;

  constructor(private readonly onExpired: (item: T) => void) {}

  add(item: T, second: number): void {
    let items = this.bySecond.get(second);
    if (!items) {
      this.bySecond.set(second, (items = new Set()));
      let i = this.seconds.length;
      while (i > 0 && this.seconds[i - 1]! > second) i--;
      this.seconds.splice(i, 0, second);
    }
    items.add(item);
    if (second < this.timerFor) this.schedule();
  }

  delete(item: T, second: number): void {
    const items = this.bySecond.get(second);
    if (!items?.delete(item) || items.size > 0) return;
    this.bySecond.delete(second);
    const i = this.seconds.indexOf(second);
    if (i >= 0) this.seconds.splice(i, 1);
  }

  /** Stops the timer; nothing more expires. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerFor = Infinity;
  }

  get size(): number {
    let n = 0;
    for (const items of this.bySecond.values()) n += items.size;
    return n;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const first = this.seconds[0];
    this.timerFor = first ?? Infinity;
    if (first === undefined) return;
    const ms = Math.min(Math.max(0, first * 1000 - Date.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => this.expire(), ms);
    this.timer.unref();
  }

  private expire(): void {
    this.timer = null;
    const now = Date.now();
    while (this.seconds.length > 0 && this.seconds[0]! * 1000 <= now) {
      const second = this.seconds.shift()!;
      const items = this.bySecond.get(second)!;
      this.bySecond.delete(second);
      for (const item of items) this.onExpired(item);
    }
    this.schedule();
  }
}
