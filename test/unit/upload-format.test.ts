import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UploadContentCheck, type UploadFormat } from '../../src/services/upload-format.js';

/** What comes out of the check when `parts` go in, or the error it refused them with. */
async function passThrough(declared: UploadFormat, parts: Buffer[]): Promise<{ out?: Buffer; error?: Error; format: UploadFormat }> {
  const check = new UploadContentCheck('tb.csv', declared);
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk);
      done();
    },
  });
  try {
    await pipeline(Readable.from(parts), check, sink);
    return { out: Buffer.concat(out), format: check.format };
  } catch (error) {
    return { error: error as Error, format: check.format };
  }
}

describe('UploadContentCheck', () => {
  it('passes on every byte of a file shorter than the sniff window (they were dropped once)', async () => {
    for (const text of ['a', 'a,b', '1234567']) {
      const { out, error } = await passThrough('csv', [Buffer.from(text)]);
      expect(error).toBeUndefined();
      expect(out?.toString()).toBe(text);
    }
  });

  it('passes on any valid UTF-8 text unchanged, however it is split into chunks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => !s.includes('\u0000')), fc.array(fc.nat(), { maxLength: 6 }), async (text, cuts) => {
        const bytes = Buffer.from(text);
        const at = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
        const parts = [0, ...at, bytes.length].slice(0, -1).map((from, i, all) => bytes.subarray(from, all[i + 1] ?? bytes.length)).filter((p) => p.length > 0);
        const { out, error } = await passThrough('csv', parts);
        expect(error).toBeUndefined();
        expect(out?.equals(bytes)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('takes a short ZIP-signed file under a .csv name as the workbook it claims to be, bytes intact', async () => {
    const bytes = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00]);
    const { out, format } = await passThrough('csv', [bytes]);
    expect(format).toBe('xlsx');
    expect(out?.equals(bytes)).toBe(true);
  });

  it('refuses a short file declared a workbook that is not one, naming the file', async () => {
    const { error } = await passThrough('xlsx', [Buffer.from('a,b')]);
    expect(error?.message).toMatch(/"tb\.csv"/);
  });
});
