import { describe, expect, it } from 'vitest';
import { createVerifiedTokenCache } from '../../src/services/verified-tokens.js';

describe('verified token cache', () => {
  it('answers a token only until its exp, by the same whole-second rule jose applies', () => {
    let now = 1_000_000_000;
    const cache = createVerifiedTokenCache<{ expiresAt: number }>(10, () => now);
    cache.set('t', { expiresAt: 1_000_010 });
    now = 1_000_009_999;
    expect(cache.get('t')).toEqual({ expiresAt: 1_000_010 });
    now = 1_000_010_000; // exp <= now: jose calls this expired
    expect(cache.get('t')).toBeUndefined();
    expect(cache.size).toBe(0); // an expired entry is dropped, not kept
  });

  it('keeps at most maxEntries, evicting the least recently used', () => {
    const cache = createVerifiedTokenCache<{ expiresAt: number }>(3, () => 0);
    for (const t of ['a', 'b', 'c']) cache.set(t, { expiresAt: 1 });
    expect(cache.get('a')).toBeDefined(); // a is now the most recent
    cache.set('d', { expiresAt: 1 });
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((t) => cache.get(t) !== undefined)).toEqual([true, true, true]);
  });

  it('stores nothing with a size of 0', () => {
    const cache = createVerifiedTokenCache<{ expiresAt: number }>(0, () => 0);
    cache.set('a', { expiresAt: 1 });
    expect(cache.get('a')).toBeUndefined();
  });
});
