import { describe, expect, it } from 'vitest';
import { createCpuSlots } from '../../src/services/pipeline/cpu-slots.js';

describe('CPU slots', () => {
  it('holds at most `limit` and serves waiters in order', async () => {
    const slots = createCpuSlots(1);
    const first = slots.tryAcquire();
    expect(first).not.toBeNull();
    expect(slots.tryAcquire()).toBeNull();
    const order: string[] = [];
    const b = slots.acquire(new AbortController().signal).then((release) => (order.push('b'), release));
    const c = slots.acquire(new AbortController().signal).then((release) => (order.push('c'), release));
    expect(slots.waiting).toBe(2);
    first!();
    first!(); // a second release gives nothing back twice
    const releaseB = await b;
    expect(order).toEqual(['b']);
    expect(slots.held).toBe(1);
    releaseB();
    (await c)();
    expect(order).toEqual(['b', 'c']);
    expect(slots.held).toBe(0);
  });

  it('lets an aborted waiter leave the line without ever holding a slot', async () => {
    const slots = createCpuSlots(1);
    const release = slots.tryAcquire()!;
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    const next = slots.acquire(new AbortController().signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    expect(slots.waiting).toBe(1);
    release();
    (await next)();
    expect(slots.held).toBe(0);
    await expect(slots.acquire(controller.signal)).rejects.toThrow('cancelled');
  });
});
