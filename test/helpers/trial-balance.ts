/**
 * A valid CMA input of about `rows` rows over `years` years: every balance sheet tallies to the
 * paisa and every label classifies without review. For tests that need a run to take a while.
 */
export function trialBalanceCsv(rows: number, years = 2, seed = 7): string {
  let state = seed >>> 0 || 1;
  const rand = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const assets = ['Sundry Debtors', 'Closing Stock', 'Plant and Machinery', 'Cash in Hand'];
  const liabilities = ['Sundry Creditors', 'Share Capital', 'Term Loan', 'Cash Credit'];
  const money = (paise: number) => `${Math.floor(paise / 100)}.${String(paise % 100).padStart(2, '0')}`;
  const out = ['fiscal_year,statement,line_item,amount'];
  const perYear = Math.max(4, Math.floor(rows / years));
  for (let y = 0; y < years; y++) {
    const year = 2024 - y;
    const half = Math.floor((perYear - 1) / 2);
    let total = 0;
    for (let i = 0; i < half; i++) {
      const amount = 100_00 + Math.floor(rand() * 1_000_000_00);
      total += amount;
      out.push(`${year},BS,${assets[i % assets.length]} - Party ${i + 1},${money(amount)}`);
    }
    let left = total;
    for (let i = 0; i < half; i++) {
      const amount = i === half - 1 ? left : Math.min(left, Math.floor(total / half));
      left -= amount;
      out.push(`${year},BS,${liabilities[i % liabilities.length]} - Party ${i + 1},${money(amount)}`);
    }
    out.push(`${year},PL,Sales - Domestic,${money(total * 2)}`);
  }
  return out.join('\n') + '\n';
}
