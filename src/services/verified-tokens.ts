/**
 * Tokens already verified, so a busy client does not pay an HMAC (and jose's parsing) on every
 * request. Invariants: only a token whose signature and claims were verified is ever stored;
 * an entry is honoured only while its `expiresAt` (the token's `exp`) is in the future, by the
 * same rule jose applies (`exp` > now in whole seconds), so a cached token expires exactly when
 * a verified one would; the map never holds more than `maxEntries` (least recently used goes).
 */
export interface VerifiedTokenCache<V extends { expiresAt: number }> {
  /** The value stored for `token` if it has not expired; an expired entry is dropped. */
  get(token: string): V | undefined;
  set(token: string, value: V): void;
  readonly size: number;
}

export function createVerifiedTokenCache<V extends { expiresAt: number }>(
  maxEntries: number,
  nowMs: () => number = () => Date.now(),
): VerifiedTokenCache<V> {
  // A Map iterates in insertion order: re-inserting on a hit keeps the oldest-used entry first.
  const entries = new Map<string, V>();
  return {
    get(token) {
      const value = entries.get(token);
      if (value === undefined) return undefined;
      entries.delete(token);
      if (!(value.expiresAt > Math.floor(nowMs() / 1000))) return undefined;
      entries.set(token, value);
      return value;
    },
    set(token, value) {
      entries.delete(token);
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
      if (maxEntries > 0) entries.set(token, value);
    },
    get size() {
      return entries.size;
    },
  };
}
