/**
 * Strict, streaming UTF-8 decoding that can say on which line a bad byte sits. The hot path is
 * the native fatal `TextDecoder`; only after it throws do we scan the failing chunk in JS to
 * find the offending byte.
 */

/** Thrown on the first byte that is not valid UTF-8. */
export class Utf8Error extends Error {
  override readonly name = 'Utf8Error';

  constructor(
    /** 1-based line of the bad byte, counting LF bytes (LF never occurs inside a multi-byte
     *  sequence, so counting bytes is exact even though the text could not be decoded). */
    readonly line: number,
    /** 0-based byte offset of the bad sequence in the whole stream. */
    readonly byteOffset: number,
    /** The bad byte, or null when the stream ended in the middle of a character. */
    readonly byte: number | null,
  ) {
    super(
      byte === null
        ? `invalid UTF-8: the file ends in the middle of a character (byte ${byteOffset})`
        : `invalid UTF-8: byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at byte ${byteOffset}`,
    );
  }
}

/** Chunks as a Node stream or any async iterable yields them. */
export type ByteChunk = Uint8Array | string;

const NO_BYTES = new Uint8Array(0);

/**
 * Decodes `source` as UTF-8, yielding text as it arrives, and calls `onBytes` with the running
 * byte count after each chunk. A leading BOM is dropped. String chunks (a stream with
 * `setEncoding`) were decoded upstream and pass through unchecked.
 *
 * Text is yielded in whole lines only (the rest of a chunk waits for the next one), so when a
 * bad byte turns up, everything before the line that holds it has been yielded and nothing of
 * that line has: a consumer that stops there has seen only complete, valid lines.
 * @throws Utf8Error on the first invalid byte, or when the stream ends mid-character.
 */
export async function* decodeUtf8Strictly(
  source: AsyncIterable<ByteChunk>,
  onBytes?: (bytesSoFar: number) => void,
): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytesBefore = 0;
  let newlinesBefore = 0;
  let pending: Uint8Array = NO_BYTES;
  // Text after the last line break so far, held back until its line is known to be valid.
  let carry = '';

  for await (const chunk of source) {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
      bytesBefore += Buffer.byteLength(chunk);
    } else {
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        const { error, validBytes } = locateError(pending, chunk, bytesBefore, newlinesBefore);
        const complete = completeLines(carry + new TextDecoder('utf-8').decode(validBytes));
        if (complete.lines !== '') yield complete.lines;
        throw error;
      }
      bytesBefore += chunk.byteLength;
      newlinesBefore += countNewlines(chunk, chunk.byteLength);
      pending = incompleteTail(chunk, pending);
    }
    onBytes?.(bytesBefore);
    const complete = completeLines(carry + text);
    carry = complete.rest;
    if (complete.lines !== '') yield complete.lines;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw new Utf8Error(newlinesBefore + 1, bytesBefore - pending.byteLength, null);
  }
  if (carry + rest !== '') yield carry + rest;
}

/** Splits text after its last line break (LF, or CR for old Mac files). */
function completeLines(text: string): { lines: string; rest: string } {
  const cut = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1;
  return { lines: text.slice(0, cut), rest: text.slice(cut) };
}

/** Finds the bad byte after the decoder rejected `chunk`, given the bytes it still held. */
function locateError(
  pending: Uint8Array,
  chunk: Uint8Array,
  bytesBefore: number,
  newlinesBefore: number,
): { error: Utf8Error; validBytes: Uint8Array } {
  const joined = concat(pending, chunk);
  let at = firstInvalidUtf8(joined);
  // Unreachable unless the native decoder and this scanner disagree; report the chunk start.
  if (at < 0) at = 0;
  const line = newlinesBefore + countNewlines(joined, at) + 1;
  return {
    error: new Utf8Error(line, bytesBefore - pending.byteLength + at, joined[at] ?? null),
    validBytes: joined.subarray(0, at),
  };
}

function countNewlines(bytes: Uint8Array, end: number): number {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, end);
  let count = 0;
  for (let at = view.indexOf(10); at !== -1; at = view.indexOf(10, at + 1)) count++;
  return count;
}

/**
 * The bytes of a character left incomplete at the end of the stream so far, i.e. what a
 * streaming decoder is holding back. A chunk shorter than that character extends the previous
 * tail.
 */
function incompleteTail(chunk: Uint8Array, previous: Uint8Array): Uint8Array {
  const bytes = chunk.byteLength >= 3 ? chunk : concat(previous, chunk);
  for (let back = 1; back <= 3 && back <= bytes.byteLength; back++) {
    const byte = bytes[bytes.byteLength - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.slice(bytes.byteLength - back) : NO_BYTES;
  }
  return NO_BYTES;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

/**
 * Index of the first byte that starts an invalid sequence (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or -1 when the bytes are valid or merely end early.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      if (i + k >= bytes.length) return -1;
      const next = bytes[i + k] ?? 0;
      const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (next < min || next > max) return i;
    }
    i += length;
  }
  return -1;
}
