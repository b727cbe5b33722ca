import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExpiryQueue } from '../../src/ws-expiry.js';

describe('ExpiryQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('hands each item over at its second, earliest first, whatever the order they came in', () => {
    const expired: string[] = [];
    const queue = new ExpiryQueue<string>((item) => expired.push(item));
    const now = 1_000_000; // seconds
    queue.add('c', now + 30);
    queue.add('a', now + 10);
    queue.add('b', now + 20);
    queue.add('a2', now + 10);
    vi.advanceTimersByTime(9_999);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['a', 'a2']);
    vi.advanceTimersByTime(20_000);
    expect(expired).toEqual(['a', 'a2', 'b', 'c']);
    expect(queue.size).toBe(0);
  });

  it('forgets a deleted item, and an item already expired goes at once', () => {
    const expired: string[] = [];
    const queue = new ExpiryQueue<string>((item) => expired.push(item));
    queue.add('gone', 1_000_005);
    queue.add('kept', 1_000_005);
    queue.delete('gone', 1_000_005);
    queue.add('late', 999_990);
    vi.advanceTimersByTime(0);
    expect(expired).toEqual(['late']);
    vi.advanceTimersByTime(5_000);
    expect(expired).toEqual(['late', 'kept']);
    queue.add('never', 1_000_100);
    queue.dispose();
    vi.advanceTimersByTime(200_000);
    expect(expired).toEqual(['late', 'kept']);
  });
});
