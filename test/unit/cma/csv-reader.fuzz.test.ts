import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DocumentFormatError, MAX_LABEL_CHARS, MAX_RECORD_CHARS, readLineItems } from '../../../src/services/cma/csv-reader.js';
import { readStatementItems } from '../../../src/services/cma/statement-reader.js';
import { workbook } from '../../helpers/workbooks.js';

const HEADER = 'fiscal_year,statement,line_item,amount\n';

/** Reads everything; returns the item count or the DocumentFormatError. Anything else fails the test. */
async function outcome(bytes: Uint8Array, chunkSize = 4096): Promise<number | DocumentFormatError> {
  async function* source() {
    for (let i = 0; i < bytes.length; i += chunkSize) yield Buffer.from(bytes.subarray(i, i + chunkSize));
  }
  let items = 0;
  try {
    for await (const batch of readLineItems(source(), { documentName: 'fuzz.csv', batchSize: 100 })) items += batch.length;
    return items;
  } catch (err) {
    if (err instanceof DocumentFormatError) return err;
    throw err;
  }
}

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

describe('the CSV reader under hostile input: a row-naming DocumentFormatError or line items, nothing else', () => {
  it('random bytes, after a valid header or not', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), fc.integer({ min: 1, max: 64 }), async (bytes, withHeader, chunk) => {
        runs++;
        const input = withHeader ? new Uint8Array([...utf8(HEADER), ...bytes]) : bytes;
        const result = await outcome(input, chunk);
        if (result instanceof DocumentFormatError) expect(result.message.startsWith('fuzz.csv')).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(runs).toBe(300);
  });

  it('random text built from CSV punctuation, quotes left open included', async () => {
    const piece = fc.constantFrom('"', '""', ',', '\n', '\r\n', '2024', 'BS', 'PL', 'Sales', '(1,200)', '12,40,000', '-', ' ', 'é', '₹', '\u0000');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 200 }), async (pieces) => {
        const result = await outcome(utf8(HEADER + pieces.join('')));
        if (result instanceof DocumentFormatError && result.row !== null) expect(result.message).toMatch(/^fuzz\.csv, row \d+/);
      }),
      { numRuns: 300 },
    );
  });

  it('a multi-byte character cut anywhere is an encoding error naming the row', async () => {
    const text = `${HEADER}2024,BS,Débiteurs ₹ 😀,100\n`;
    const bytes = utf8(text);
    for (let cut = HEADER.length + 1; cut < bytes.length; cut++) {
      const prefix = bytes.subarray(0, cut);
      const result = await outcome(prefix);
      if (result instanceof DocumentFormatError) expect(result.message).toMatch(/^fuzz\.csv/);
    }
  });

  it('10,000 columns: extra columns are ignored', async () => {
    const extra = Array.from({ length: 9996 }, (_, i) => `c${i}`).join(',');
    const row = `2024,BS,Share Capital,100,${Array.from({ length: 9996 }, () => '').join(',')}`;
    expect(await outcome(utf8(`fiscal_year,statement,line_item,amount,${extra}\n${row}\n`))).toBe(1);
  });

  it('a 1 MB line is refused with a message naming the row and the limit', async () => {
    const result = await outcome(utf8(`${HEADER}2024,BS,${'x'.repeat(1024 * 1024)},100\n`));
    expect(result).toBeInstanceOf(DocumentFormatError);
    expect((result as DocumentFormatError).message).toBe(`fuzz.csv, row 2: is longer than ${MAX_RECORD_CHARS.toLocaleString('en-IN')} characters`);
  });

  it('an over-long label is refused naming the row and column', async () => {
    const result = await outcome(utf8(`${HEADER}2024,BS,${'x'.repeat(MAX_LABEL_CHARS + 1)},100\n`));
    expect((result as DocumentFormatError).message).toBe(`fuzz.csv, row 2, column line_item: is longer than ${MAX_LABEL_CHARS} characters`);
  });

  it('empty files, a header only, blank lines only', async () => {
    for (const text of ['', '\n\n\n', HEADER, `${HEADER}\n\n`, '\ufeff', `\ufeff${HEADER}`]) {
      const result = await outcome(utf8(text));
      expect(result).toBeInstanceOf(DocumentFormatError);
      expect((result as DocumentFormatError).message).toBe('fuzz.csv has no line items');
    }
  });

  it('a quote left open at the end names a row', async () => {
    const result = await outcome(utf8(`${HEADER}2024,BS,"Share Capital,100\n2024,BS,Reserves,200\n`));
    expect((result as DocumentFormatError).message).toMatch(/^fuzz\.csv, row \d+: has a quote that is never closed/);
  });
});

describe('the workbook reader under hostile input: a DocumentFormatError or line items, never a hang or a crash', () => {
  const LONG = ['fiscal_year', 'statement', 'line_item', 'amount'];
  let good: Buffer;
  const read = async (bytes: Uint8Array, chunkSize: number): Promise<number | DocumentFormatError> => {
    async function* source() {
      for (let i = 0; i < bytes.length; i += chunkSize) yield Buffer.from(bytes.subarray(i, i + chunkSize));
    }
    let items = 0;
    try {
      for await (const batch of readStatementItems(source(), { documentName: 'fuzz.xlsx', batchSize: 50 })) items += batch.length;
      return items;
    } catch (err) {
      if (err instanceof DocumentFormatError) return err;
      throw err;
    }
  };
  const expectClean = (result: number | DocumentFormatError) => {
    if (result instanceof DocumentFormatError) expect(result.message).toMatch(/^fuzz\.xlsx/);
    else expect(result).toBeGreaterThanOrEqual(0);
  };

  it('random bytes after the ZIP signature', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 512 }), async (bytes, chunk) => {
        expectClean(await read(new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...bytes]), chunk));
      }),
      { numRuns: 200 },
    );
  });

  it('a real workbook cut short anywhere, or with bytes changed anywhere', { timeout: 120_000 }, async () => {
    good = await workbook([{ name: 'TB', rows: [LONG, ...Array.from({ length: 40 }, (_, i) => [2024, i % 2 ? 'BS' : 'PL', `Party ${i}`, i * 10.5])] }]);
    expect(await read(good, 4096)).toBe(40);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: good.length - 1 }),
        fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 4096 }),
        async (cut, flips, chunk) => {
          const bytes = Buffer.from(good);
          for (const { at, xor } of flips) bytes[at % bytes.length] = bytes[at % bytes.length]! ^ xor;
          expectClean(await read(flips.length > 0 ? bytes : bytes.subarray(0, cut), chunk));
        },
      ),
      { numRuns: 300 },
    );
  });
});
