import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Utf8Error, decodeUtf8Strictly, firstInvalidUtf8 } from '../../../src/services/cma/utf8-decoder.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

async function decodeInChunks(data: Uint8Array, cuts: number[]): Promise<string> {
  const points = [...new Set(cuts.map((cut) => cut % (data.length + 1)))].sort((a, b) => a - b);
  async function* source(): AsyncGenerator<Uint8Array> {
    let from = 0;
    for (const to of [...points, data.length]) {
      yield data.subarray(from, to);
      from = to;
    }
  }
  let text = '';
  for await (const part of decodeUtf8Strictly(source())) text += part;
  return text;
}

describe('firstInvalidUtf8', () => {
  it.each([
    ['ASCII', bytes(0x41, 0x0a), -1],
    ['₹', bytes(0xe2, 0x82, 0xb9), -1],
    ['𝔸', bytes(0xf0, 0x9d, 0x94, 0xb8), -1],
    ['an incomplete character at the end', bytes(0x41, 0xe2, 0x82), -1],
    ['a stray continuation byte', bytes(0x41, 0x80), 1],
    ['an overlong lead', bytes(0xc0, 0x80), 0],
    ['an overlong 3-byte form', bytes(0xe0, 0x80, 0x80), 0],
    ['a surrogate', bytes(0xed, 0xa0, 0x80), 0],
    ['beyond U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), 0],
    ['a 0xF5 lead', bytes(0xf5, 0x80, 0x80, 0x80), 0],
    ['Latin-1 é', bytes(0x43, 0x61, 0x66, 0xe9, 0x20), 3],
    ['a lead followed by ASCII', bytes(0xe2, 0x82, 0x41), 0],
  ])('handles %s', (_name, data, expected) => {
    expect(firstInvalidUtf8(data)).toBe(expected);
  });
});

describe('decodeUtf8Strictly', () => {
  it('agrees with the native decoder on random bytes cut at random points', async () => {
    const byte = fc.oneof(fc.constantFrom(0x0a, 0x41, 0x80, 0xbf, 0xc2, 0xe2, 0x82, 0xb9, 0xf0, 0x9d, 0xed, 0xa0), fc.integer({ min: 0, max: 255 }));
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 6 }), async (values, cuts) => {
        const data = Uint8Array.from(values);
        let expected: string | null;
        try {
          expected = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data);
        } catch {
          expected = null;
        }
        const outcome = await decodeInChunks(data, cuts).then((text) => text, (error: unknown) => error);
        if (expected !== null) {
          // the stream drops a leading BOM like TextDecoder's default
          expect(outcome).toBe(expected.replace(/^\ufeff/, ''));
          return;
        }
        expect(outcome).toBeInstanceOf(Utf8Error);
        const error = outcome as Utf8Error;
        const at = firstInvalidUtf8(data);
        // valid throughout but cut short: the offset is the lead byte of the last character
        let lead = data.length - 1;
        while (lead > 0 && ((data[lead] ?? 0) & 0xc0) === 0x80) lead--;
        expect(error.byteOffset).toBe(at === -1 ? lead : at);
        expect(error.line).toBe(data.subarray(0, error.byteOffset).filter((b) => b === 0x0a).length + 1);
        if (at !== -1) expect(error.byte).toBe(data[at]);
        else expect(error.byte).toBeNull();
      }),
      { numRuns: 3000 },
    );
  });

  it('reports bytes as they are read', async () => {
    const seen: number[] = [];
    async function* source(): AsyncGenerator<Uint8Array | string> {
      yield bytes(0x61, 0x0a);
      yield 'b\n';
      yield bytes(0x63);
    }
    let text = '';
    for await (const part of decodeUtf8Strictly(source(), (n) => seen.push(n))) text += part;
    expect(text).toBe('a\nb\nc');
    expect(seen).toEqual([2, 4, 5]);
  });
});
