/**
 * Writes a large, valid CMA input CSV to stdout (or --out FILE):
 *   npx tsx bench/tools/gen-trial-balance.ts --rows 150000 --years 2 --seed 1 > big.csv
 */
import { parseArgs } from 'node:util';
import { trialBalanceLines, writeTrialBalance } from '../lib/trial-balance.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '100000' }, years: { type: 'string', default: '2' }, seed: { type: 'string', default: '1' }, out: { type: 'string' } },
});
const rows = Number(values.rows);
const years = Number(values.years);
const seed = Number(values.seed);
if (values.out) {
  const bytes = await writeTrialBalance(values.out, rows, years, seed);
  console.error(`${values.out}: ${bytes} bytes`);
} else {
  for (const line of trialBalanceLines(rows, years, seed)) process.stdout.write(line + '\n');
}
