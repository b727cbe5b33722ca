import { createReadStream, readFileSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it, expect } from 'vitest';
import { DocumentFormatError, readLineItems, type ParsedLineItem } from '../../../src/services/cma/csv-reader.js';
import { samplePath } from './samples.js';

const HEADER = 'fiscal_year,statement,line_item,amount';

/** Async iterable over `bytes` cut into chunks of `size` bytes (splitting characters freely). */
async function* chunks(bytes: Uint8Array, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield Buffer.from(bytes.subarray(at, at + size));
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

async function readAll(
  source: AsyncIterable<Buffer | string> | NodeJS.ReadableStream,
  documentName = 'bank.csv',
  batchSize?: number,
): Promise<ParsedLineItem[][]> {
  const batches: ParsedLineItem[][] = [];
  for await (const batch of readLineItems(source, { documentName, batchSize })) batches.push(batch);
  return batches;
}

async function items(text: string | Buffer, chunkSize?: number): Promise<ParsedLineItem[]> {
  return (await readAll(chunks(typeof text === 'string' ? utf8(text) : text, chunkSize))).flat();
}

async function failure(text: string | Buffer, chunkSize?: number): Promise<DocumentFormatError> {
  try {
    await items(text, chunkSize);
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentFormatError);
    return error as DocumentFormatError;
  }
  throw new Error('expected a DocumentFormatError');
}

describe('readLineItems on the samples', () => {
  it('reads clean-two-years.csv row by row', async () => {
    const read = (await readAll(createReadStream(samplePath('clean-two-years.csv')))).flat();
    expect(read).toHaveLength(50);
    expect(read.map((item) => item.row)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    expect(read[0]).toEqual({ row: 2, fiscalYear: 2024, statement: 'BALANCE_SHEET', label: 'Share Capital', amountPaise: 2_500_000_00n });
    // a quoted label with a comma, and a quoted Indian-grouped amount
    expect(read[8]).toEqual({ row: 10, fiscalYear: 2024, statement: 'BALANCE_SHEET', label: 'Property, Plant and Equipment', amountPaise: 5_200_000_00n });
    expect(read[15]).toEqual({ row: 17, fiscalYear: 2024, statement: 'PROFIT_AND_LOSS', label: 'Revenue from Operations', amountPaise: 24_500_000_00n });
    expect(read[25]).toEqual({ row: 27, fiscalYear: 2023, statement: 'BALANCE_SHEET', label: 'Share Capital', amountPaise: 2_500_000_00n });
    expect(read[49]).toEqual({ row: 51, fiscalYear: 2023, statement: 'PROFIT_AND_LOSS', label: 'Provision for Tax', amountPaise: 300_000_00n });
  });

  it('yields batches of the requested size and reports bytes as it goes', async () => {
    const path = samplePath('needs-review.csv');
    const seen: number[] = [];
    const sizes: number[] = [];
    const source = createReadStream(path, { highWaterMark: 256 });
    for await (const batch of readLineItems(source, { documentName: 'x.csv', batchSize: 7, onBytes: (n) => seen.push(n) })) {
      sizes.push(batch.length);
    }
    expect(sizes).toEqual([7, 7, 7, 7, 7, 7, 7, 2]);
    expect(seen.length).toBeGreaterThan(5);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen.at(-1)).toBe(statSync(path).size);
  });

  it("names bad-amount.csv's bad cell exactly", async () => {
    const error = await readAll(createReadStream(samplePath('bad-amount.csv')), 'bad-amount.csv').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentFormatError);
    expect((error as Error).message).toBe('bad-amount.csv, row 6, column amount: "twenty two lakh" is not a number');
    expect(error).toMatchObject({ document: 'bad-amount.csv', row: 6, column: 'amount', reason: '"twenty two lakh" is not a number' });
  });

  it('yields the batches before a bad row, then fails', async () => {
    // A source that hands over one line per turn of the event loop, so the consumer sees each
    // batch before the parser reaches row 6.
    async function* lineByLine(): AsyncGenerator<Buffer> {
      for (const line of readFileSync(samplePath('bad-amount.csv'), 'utf8').split(/(?<=\n)/)) {
        await new Promise((resolve) => setImmediate(resolve));
        yield utf8(line);
      }
    }
    const batches: number[][] = [];
    const reading = (async () => {
      for await (const batch of readLineItems(lineByLine(), { documentName: 'bad-amount.csv', batchSize: 2 })) {
        batches.push(batch.map((item) => item.row));
      }
    })();
    await expect(reading).rejects.toThrow('bad-amount.csv, row 6, column amount');
    expect(batches).toEqual([[2, 3], [4, 5]]);
  });
});

describe('readLineItems on edge cases', () => {
  it('accepts a BOM', async () => {
    const read = await items(`\ufeff${HEADER}\n2024,BS,Stock,100\n`);
    expect(read).toEqual([{ row: 2, fiscalYear: 2024, statement: 'BALANCE_SHEET', label: 'Stock', amountPaise: 10_000n }]);
  });

  it('matches reordered, renamed headers and ignores extra columns', async () => {
    const text = 'Amount, Line Item ,Notes,STATEMENT,Fiscal-Year\n"12,40,000",Sundry Debtors,"see note 4, page 2",Balance Sheet,FY 2023-24\n';
    expect(await items(text)).toEqual([
      { row: 2, fiscalYear: 2024, statement: 'BALANCE_SHEET', label: 'Sundry Debtors', amountPaise: 124_000_000n },
    ]);
  });

  it('reads quoted fields with commas, quotes and surrounding spaces', async () => {
    const text = `${HEADER}\n2024 , PL , "Printing, Stationery ""and"" Postage" , " (1,200.50) "\n`;
    expect(await items(text)).toEqual([
      { row: 2, fiscalYear: 2024, statement: 'PROFIT_AND_LOSS', label: 'Printing, Stationery "and" Postage', amountPaise: -120_050n },
    ]);
  });

  it('skips empty lines and still numbers rows by line', async () => {
    const read = await items(`\n${HEADER}\n\n2024,BS,Stock,1\n   \n\n2024,PL,Sales,2\n\n`);
    expect(read.map((item) => [item.row, item.label])).toEqual([[4, 'Stock'], [7, 'Sales']]);
  });

  it('numbers rows by line with CRLF endings and labels spanning lines', async () => {
    for (const eol of ['\n', '\r\n']) {
      const text = [HEADER, '2024,BS,"Stock', 'at godown",1', '2024,BS,"Stock', '', 'in transit",2', '2024,BS,Debtors,3', '2024,BS,Cash,x'].join(eol);
      const read = (await readAll(chunks(utf8(text.split(eol).slice(0, -1).join(eol) + eol)))).flat();
      expect(read.map((item) => item.row)).toEqual([2, 4, 7]);
      expect(read[0]?.label).toBe(`Stock${eol}at godown`);
      const error = await failure(text);
      expect(error.row).toBe(8);
    }
  });

  it('fails on an empty file, a blank file and a header-only file', async () => {
    for (const text of ['', '\n\n  \n', `${HEADER}\n`, `\ufeff${HEADER}`, `${HEADER}\n\n\n`]) {
      const error = await failure(text);
      expect(error.message).toBe('bank.csv has no line items');
      expect(error).toMatchObject({ row: null, column: null });
    }
  });

  it('names a missing column', async () => {
    const error = await failure('fiscal_year,statement,amount\n2024,BS,1\n');
    expect(error.message).toBe('bank.csv, row 1, column line_item: is missing from the header row; expected fiscal_year, statement, line_item, amount');
    expect(error).toMatchObject({ row: 1, column: 'line_item' });
    const several = await failure('year,statement,label,amount\n2024,BS,x,1\n');
    expect(several.message).toBe(
      'bank.csv, row 1, column fiscal_year: is missing from the header row (so are line_item); expected fiscal_year, statement, line_item, amount',
    );
  });

  it('names a column given twice', async () => {
    const error = await failure('fiscal_year,statement,line_item,amount,Amount\n2024,BS,x,1,2\n');
    expect(error.message).toBe('bank.csv, row 1, column amount: appears twice in the header row');
  });

  it.each([
    ['2024,BS,Stock,', 'amount', 'is blank'],
    ['2024,BS,Stock,-', 'amount', '"-" is not a number (write 0 for a nil amount)'],
    ['2024,BS,Stock,1.234', 'amount', '"1.234" has more than 2 decimal places'],
    ['20x4,BS,Stock,1', 'fiscal_year', '"20x4" is not a fiscal year (expected e.g. 2024, FY2024 or 2023-24)'],
    [',BS,Stock,1', 'fiscal_year', 'is blank'],
    ['2024,CF,Stock,1', 'statement', '"CF" is not a statement (expected BS, Balance Sheet, PL, P&L or Profit and Loss)'],
    ['2024,BS,,1', 'line_item', 'is blank'],
    ['2024,BS,"   ",1', 'line_item', 'is blank'],
  ])('names the row and column of %j', async (line, column, reason) => {
    const error = await failure(`${HEADER}\n2024,BS,Stock,1\n${line}\n2024,BS,Stock,1\n`);
    expect(error.message).toBe(`bank.csv, row 3, column ${column}: ${reason}`);
    expect(error).toMatchObject({ document: 'bank.csv', row: 3, column, reason });
  });

  it('names a row with the wrong number of columns', async () => {
    const error = await failure(`${HEADER}\n2024,BS,Stock,1\n2024,BS,Stock,1,extra\n`);
    expect(error.message).toBe('bank.csv, row 3: has 5 columns, the header row has 4');
    const short = await failure(`${HEADER}\n2024,BS,Stock\n`);
    expect(short.message).toBe('bank.csv, row 2: has 3 columns, the header row has 4');
  });

  it('names the first bad row when a later one is malformed too', async () => {
    const error = await failure(`${HEADER}\n2024,BS,Stock,oops\n2024,BS,Stock,1,extra\n2024,BS,"Stock\n`);
    expect(error.message).toBe('bank.csv, row 2, column amount: "oops" is not a number');
  });

  it('names a row with broken quoting', async () => {
    expect((await failure(`${HEADER}\n2024,BS,"Stock"x,1\n`)).message).toBe(
      'bank.csv, row 2: has text after a closing quote; put the whole field in quotes and double any quote inside it',
    );
    expect((await failure(`${HEADER}\n2024,BS,Stock,1\n2024,BS,"Stock,1\n`)).message).toMatch(/^bank\.csv, row \d+: has a quote that is never closed$/);
  });
});

describe('readLineItems on encodings', () => {
  const latin1Row = Buffer.concat([utf8(`${HEADER}\n2024,BS,Stock,1\n2024,BS,Caf`), Buffer.from([0xe9]), utf8(' Debtors,2\n')]);

  it('rejects a byte that is not UTF-8, naming the row', async () => {
    for (const size of [1, 2, 3, 7, 64 * 1024]) {
      const error = await failure(latin1Row, size);
      expect(error.message).toBe(`bank.csv, row 3: invalid UTF-8: byte 0xE9 at byte ${HEADER.length + 1 + 16 + 11}; save the file as UTF-8`);
      expect(error).toMatchObject({ row: 3, column: null });
    }
  });

  it('rejects a bad continuation split across chunks', async () => {
    // "₹" is E2 82 B9; replace its last byte so the error sits right at a chunk boundary.
    const bytes = Buffer.concat([utf8(`${HEADER}\n2024,BS,Stock,1\n\n2024,BS,Stock,`), Buffer.from([0xe2, 0x82, 0x41]), utf8('1\n')]);
    for (let size = 1; size <= 8; size++) {
      const error = await failure(bytes, size);
      expect(error.row, `chunk size ${size}`).toBe(4);
      expect(error.message).toContain('invalid UTF-8: byte 0xE2');
    }
  });

  it('rejects a file that ends in the middle of a character', async () => {
    const bytes = Buffer.concat([utf8(`${HEADER}\n2024,BS,Stock,1\n2024,BS,Stock,`), Buffer.from([0xe2, 0x82])]);
    const error = await failure(bytes, 5);
    expect(error.message).toMatch(/^bank\.csv, row 3: invalid UTF-8: the file ends in the middle of a character/);
  });

  it('names whichever comes first, a bad row or a bad byte, whatever the chunking', async () => {
    const bad = Buffer.from([0xe9]);
    const badRowFirst = Buffer.concat([utf8(`${HEADER}\n2024,BS,Stock,1\n2024,BS,Stock,oops\n2024,BS,Stock,1\n2024,BS,Caf`), bad, utf8(',1\n')]);
    const badByteFirst = Buffer.concat([utf8(`${HEADER}\n2024,BS,Stock,1\n2024,BS,Caf`), bad, utf8(',1\n2024,BS,Stock,oops\n')]);
    for (const size of [1, 4, 16, 64 * 1024]) {
      expect((await failure(badRowFirst, size)).message).toBe('bank.csv, row 3, column amount: "oops" is not a number');
      expect((await failure(badByteFirst, size)).message).toMatch(/^bank\.csv, row 3: invalid UTF-8: byte 0xE9/);
    }
  });

  it('names the bad byte, not the quote it cut off, inside a multi-line label', async () => {
    const bytes = Buffer.concat([utf8(`${HEADER}\n2024,BS,Stock,1\n2024,BS,"Stock at\nCaf`), Buffer.from([0xe9]), utf8('",1\n')]);
    for (const size of [3, 64 * 1024]) {
      expect((await failure(bytes, size)).message).toMatch(/^bank\.csv, row 4: invalid UTF-8: byte 0xE9/);
    }
  });

  it('names row 1 for a bad byte in the header', async () => {
    const bytes = Buffer.concat([utf8('fiscal_year,statement,line_item,am'), Buffer.from([0xff]), utf8('ount\n2024,BS,Stock,1\n')]);
    expect((await failure(bytes)).message).toMatch(/^bank\.csv, row 1: invalid UTF-8: byte 0xFF at byte 34;/);
  });

  it('reads multi-byte characters split at every position', async () => {
    const text = `${HEADER}\n2024,BS,Dépôts 𝔸 — ₹ stock,"₹12,40,000"\n`;
    for (let size = 1; size <= 9; size++) {
      expect(await items(text, size)).toEqual([
        { row: 2, fiscalYear: 2024, statement: 'BALANCE_SHEET', label: 'Dépôts 𝔸 — ₹ stock', amountPaise: 124_000_000n },
      ]);
    }
  });

  it('accepts a stream that was already decoded to strings', async () => {
    const stream = Readable.from([`${HEADER}\n`, '2024,PL,Sales,₹5\n']);
    expect((await readAll(stream)).flat()).toMatchObject([{ label: 'Sales', amountPaise: 500n }]);
  });
});

describe('readLineItems streaming', () => {
  it('passes on a source that fails to read, untouched', async () => {
    const error = await readAll(createReadStream('/nonexistent/cma.csv')).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(DocumentFormatError);
    expect(error).toMatchObject({ code: 'ENOENT' });
  });

  it('yields the first batch before the source ends and releases the source when stopped', async () => {
    let produced = 0;
    let finished = false;
    async function* endless(): AsyncGenerator<Buffer> {
      try {
        yield utf8(`${HEADER}\n`);
        for (;;) {
          produced++;
          yield utf8(`2024,PL,Sales - ${produced},1\n`);
        }
      } finally {
        finished = true;
      }
    }
    for await (const batch of readLineItems(endless(), { documentName: 'endless.csv', batchSize: 100 })) {
      expect(batch).toHaveLength(100);
      break;
    }
    expect(produced).toBeLessThan(1000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(true);
  });

  it('reads a sample file byte for byte the same whatever the chunking', async () => {
    const bytes = readFileSync(samplePath('clean-two-years.csv'));
    const whole = await items(bytes);
    for (const size of [1, 13, 100]) expect(await items(bytes, size)).toEqual(whole);
  });
});
