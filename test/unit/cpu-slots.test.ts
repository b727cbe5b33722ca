import { describe, expect, it } from 'vitest';
import { acquireAnnounced, createCpuSlots } from '../../src/services/pipeline/cpu-slots.js';

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

describe('acquireAnnounced', () => {
  const signal = new AbortController().signal;

  it('says nothing about a wait that ends before announceAfterMs', async () => {
    const slots = createCpuSlots(1);
    const holder = slots.tryAcquire()!;
    let announced = false;
    const slot = acquireAnnounced(slots, signal, 60_000, async () => void (announced = true));
    holder();
    (await slot)();
    expect(announced).toBe(false);
  });

  it('announces a long wait, and hands the slot over only after the announcement', async () => {
    const slots = createCpuSlots(1);
    const holder = slots.tryAcquire()!;
    const order: string[] = [];
    let announcing!: () => void;
    const inAnnounce = new Promise<void>((resolve) => (announcing = resolve));
    let finishAnnounce!: () => void;
    const slot = acquireAnnounced(slots, signal, 0, async () => {
      order.push('announce');
      announcing();
      await new Promise<void>((resolve) => (finishAnnounce = resolve));
      order.push('announced');
    });
    void slot.then(() => order.push('slot'));
    await inAnnounce;
    holder(); // the slot comes while the announcement is still being written
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['announce']);
    finishAnnounce();
    (await slot)();
    expect(order).toEqual(['announce', 'announced', 'slot']);
  });

  it('gives the slot straight back when the announcement fails', async () => {
    const slots = createCpuSlots(1);
    const holder = slots.tryAcquire()!;
    await expect(acquireAnnounced(slots, signal, 0, () => Promise.reject(new Error('lease lost')))).rejects.toThrow('lease lost');
    holder();
    await new Promise((resolve) => setImmediate(resolve));
    expect({ held: slots.held, waiting: slots.waiting }).toEqual({ held: 0, waiting: 0 });
  });
});
