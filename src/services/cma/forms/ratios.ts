/**
 * The ratios a credit officer checks, each with the formula used and the benchmark from
 * CMA-FORMS.md, read off the computed forms. Where sources disagree (TOL/TNW, DSCR) the formula
 * string says which variant this is; README lists the choices.
 */

import type { FormBuilder, StoredForm, StoredRatio, StoredRatioValue } from './model.js';
import { ratioOf } from './model.js';

interface Forms {
  readonly ii: FormBuilder;
  readonly iii: FormBuilder;
  readonly iv: StoredForm;
}

export function computeRatios(years: readonly number[], { ii, iii, iv }: Forms): StoredRatio[] {
  const values = (compute: (y: number) => number | null, meets: (value: number) => boolean) =>
    years.map((fiscalYear): StoredRatioValue => {
      const raw = compute(fiscalYear);
      const value = raw === null || !Number.isFinite(raw) ? null : raw;
      return { fiscalYear, value, meetsBenchmark: value === null ? null : meets(value) };
    });

  const dscr = (y: number) =>
    ratioOf(
      ii.paise('NET_PROFIT', y) + ii.paise('DEPRECIATION', y) + ii.paise('INTEREST_ON_TERM_LOANS', y),
      iii.paise('CURRENT_MATURITIES', y) + ii.paise('INTEREST_ON_TERM_LOANS', y),
    );
  const dscrs = years.map(dscr).filter((value): value is number => value !== null && Number.isFinite(value));
  const dscrAverage = dscrs.length === 0 ? null : dscrs.reduce((a, b) => a + b, 0) / dscrs.length;

  const months = (row: string) => (y: number) => iv.rows.find((r) => r.code === row)?.values.find((v) => v.fiscalYear === y)?.months ?? null;
  const holding = (code: string, label: string, row: string, base: string): StoredRatio => ({
    code,
    label,
    formula: `closing ${label.toLowerCase().replace(/ holding$/, '')} ÷ ${base} × 12 (months, Form IV)`,
    benchmark: "compared year on year and with the industry's norms (no single benchmark)",
    values: years.map((fiscalYear) => ({ fiscalYear, value: months(row)(fiscalYear), meetsBenchmark: null })),
  });

  return [
    {
      code: 'CURRENT_RATIO',
      label: 'Current ratio',
      formula: 'total current assets ÷ total current liabilities incl. bank borrowings (Form III 29 ÷ 10)',
      benchmark: '≥ 1.33 (second method of lending)',
      values: values((y) => ratioOf(iii.paise('TOTAL_CURRENT_ASSETS', y), iii.paise('TOTAL_CURRENT_LIABILITIES', y)), (v) => v >= 1.33),
    },
    {
      code: 'TOL_TNW',
      label: 'Total outside liabilities / tangible net worth',
      formula: 'total outside liabilities (current + term, unsecured loans included) ÷ tangible net worth (net worth − revaluation reserve − intangibles) (Form III 14 ÷ 39)',
      benchmark: '≤ 3 (≤ 2 strong)',
      values: years.map((fiscalYear) => {
        const tnw = iii.paise('TANGIBLE_NET_WORTH', fiscalYear);
        // A tangible net worth of zero or less fails whatever the liabilities.
        if (tnw <= 0n) return { fiscalYear, value: null, meetsBenchmark: false };
        const value = ratioOf(iii.paise('TOTAL_OUTSIDE_LIABILITIES', fiscalYear), tnw) as number;
        return { fiscalYear, value, meetsBenchmark: value <= 3 };
      }),
    },
    {
      code: 'DSCR',
      label: 'Debt service coverage ratio',
      formula: '(net profit after tax + depreciation + interest on term loans) ÷ (term-loan instalments due within a year at the year end, Form III item 8 + interest on term loans)',
      benchmark: 'average ≥ 1.5, no year below 1.2',
      values: values(dscr, (v) => v >= 1.2 && dscrAverage !== null && dscrAverage >= 1.5),
    },
    {
      code: 'INTEREST_COVERAGE',
      label: 'Interest coverage',
      formula: 'operating profit before interest ÷ interest (Form II 8 ÷ 9)',
      benchmark: '≥ 2',
      values: values((y) => ratioOf(ii.paise('OPERATING_PROFIT', y), ii.paise('INTEREST', y)), (v) => v >= 2),
    },
    {
      code: 'NET_PROFIT_MARGIN',
      label: 'Net profit margin (%)',
      formula: 'net profit after tax ÷ net sales × 100 (Form II 14 ÷ 3)',
      benchmark: 'above 0 % (CMA-FORMS.md sets no benchmark; a loss fails)',
      values: values((y) => {
        const margin = ratioOf(ii.paise('NET_PROFIT', y), ii.paise('NET_SALES', y));
        return margin === null ? null : margin * 100;
      }, (v) => v > 0),
    },
    holding('RAW_MATERIALS_HOLDING', 'Raw materials holding', 'RAW_MATERIALS', "raw materials consumed"),
    holding('STOCK_IN_PROCESS_HOLDING', 'Stock-in-process holding', 'STOCK_IN_PROCESS', 'cost of production (Form II (vii))'),
    holding('FINISHED_GOODS_HOLDING', 'Finished goods holding', 'FINISHED_GOODS', 'cost of sales'),
    holding('RECEIVABLES_HOLDING', 'Domestic receivables holding', 'RECEIVABLES_DOMESTIC', 'domestic sales'),
    holding('EXPORT_RECEIVABLES_HOLDING', 'Export receivables holding', 'RECEIVABLES_EXPORT', 'export sales'),
    holding('CREDITORS_HOLDING', 'Sundry creditors holding', 'SUNDRY_CREDITORS', 'raw materials and spares consumed'),
  ];
}
