import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * A large, valid CMA input CSV: every balance sheet tallies to the paisa and every label is
 * classifiable. A port of the platform's `tools/gen-trial-balance.mjs` (byte-identical output
 * for the same rows, years and seed), shipped here because users of this repository do not
 * have that folder. Lines are produced one at a time, so any size streams.
 */
export function* trialBalanceLines(rows: number, years = 2, seed = 1): Generator<string> {
  let state = seed >>> 0 || 1;
  const rand = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const heads = {
    BS_LIABILITIES: ['Sundry Creditors', 'Share Capital', 'Reserves and Surplus', 'Term Loan', 'Unsecured Loans', 'Cash Credit', 'Provisions', 'Outstanding Expenses'],
    BS_ASSETS: ['Sundry Debtors', 'Closing Stock', 'Plant and Machinery', 'Cash in Hand', 'Balance with Banks', 'Loans and Advances', 'Investments', 'Security Deposits'],
    PL: ['Sales', 'Other Income', 'Purchases', 'Wages', 'Salaries', 'Rent', 'Depreciation', 'Finance Costs', 'Power and Fuel', 'Travelling'],
  };
  const money = (paise: number) => `${paise < 0 ? '-' : ''}${Math.floor(Math.abs(paise) / 100)}.${String(Math.abs(paise) % 100).padStart(2, '0')}`;
  const pick = (list: string[], i: number) => list[i % list.length]!;
  yield 'fiscal_year,statement,line_item,amount';
  const perYear = Math.max(6, Math.floor(rows / years));
  for (let y = 0; y < years; y++) {
    const year = 2024 - y;
    const n = perYear;
    const nPl = Math.max(2, Math.floor(n * 0.3));
    const nAssets = Math.max(2, Math.floor((n - nPl) / 2));
    const nLiab = Math.max(2, n - nPl - nAssets);
    let assets = 0;
    for (let i = 0; i < nAssets; i++) {
      const amount = 1000_00 + Math.floor(rand() * 5_000_000_00);
      assets += amount;
      yield `${year},BS,${pick(heads.BS_ASSETS, i)} - Party ${i + 1},${money(amount)}`;
    }
    // Liabilities share the assets' total by random weights; the last row takes the rounding.
    const weights = Array.from({ length: nLiab }, () => 0.5 + rand());
    const totalWeight = weights.reduce((a, b) => a + b, 0);
    let liabilities = 0;
    for (let i = 0; i < nLiab; i++) {
      const amount = i < nLiab - 1 ? Math.floor((assets * weights[i]!) / totalWeight) : assets - liabilities;
      liabilities += amount;
      yield `${year},BS,${pick(heads.BS_LIABILITIES, i)} - Party ${i + 1},${money(amount)}`;
    }
    yield `${year},PL,Sales - Domestic,${money(assets * 3)}`;
    for (let i = 1; i < nPl; i++) {
      yield `${year},PL,${heads.PL[1 + (i % (heads.PL.length - 1))]} - Ledger ${i},${money(1000_00 + Math.floor(rand() * 2_000_000_00))}`;
    }
  }
}

/** Writes the CSV to `file`; resolves with its size in bytes. */
export async function writeTrialBalance(file: string, rows: number, years = 2, seed = 1): Promise<number> {
  const out = createWriteStream(file);
  let chunk = '';
  for (const line of trialBalanceLines(rows, years, seed)) {
    chunk += line + '\n';
    if (chunk.length < 1 << 16) continue;
    const flushed = out.write(chunk);
    chunk = '';
    if (!flushed) await once(out, 'drain');
  }
  out.end(chunk);
  await once(out, 'finish');
  return out.bytesWritten;
}
