import { useState, type CSSProperties, type ReactNode } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { ConsoleReportDocument, ConsoleReportDownloadUrlDocument, type ConsoleReportQuery } from '../generated/graphql';
import { plainMessage } from '../lib/errors';

type Report = NonNullable<NonNullable<ConsoleReportQuery['project']>['report']>;
type Year = Report['years'][number];
type Form = Report['forms'][number];
type FormRow = Form['rows'][number];
type Ratio = Report['ratios'][number];

const rupees = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 0 });
const ratio = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const days = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 0 });
const lakh = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const months = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

/** `2024` → `FY 2023-24`, as the server labels years. */
export function fiscalYearLabel(fiscalYear: number): string {
  return `FY ${fiscalYear - 1}-${String(fiscalYear % 100).padStart(2, '0')}`;
}

/** Rupees → `₹ lakh` with two decimals and Indian grouping. */
function inLakh(amount: number): string {
  return lakh.format(amount / 100_000);
}

const ROWS: { label: string; value(y: Year): string }[] = [
  { label: 'Current ratio', value: (y) => (y.currentRatio == null ? '—' : ratio.format(y.currentRatio)) },
  { label: 'TOL / TNW', value: (y) => (y.totalOutsideLiabilitiesToNetWorth == null ? '—' : ratio.format(y.totalOutsideLiabilitiesToNetWorth)) },
  { label: 'Net working capital (₹)', value: (y) => rupees.format(y.netWorkingCapital) },
  { label: 'Working capital gap (₹)', value: (y) => rupees.format(y.workingCapitalGap) },
  { label: 'MPBF, second method (₹)', value: (y) => rupees.format(y.mpbf) },
  { label: 'Inventory days', value: (y) => (y.inventoryDays == null ? '—' : days.format(y.inventoryDays)) },
  { label: 'Receivable days', value: (y) => (y.receivableDays == null ? '—' : days.format(y.receivableDays)) },
  { label: 'Payable days', value: (y) => (y.payableDays == null ? '—' : days.format(y.payableDays)) },
];

/** The CMA report of the last completed run. */
export function ReportView({ projectId }: { projectId: string }) {
  const { data, error, loading } = useQuery(ConsoleReportDocument, { variables: { projectId }, fetchPolicy: 'network-only' });
  const report = data?.project?.report;
  const fiscalYears = report ? report.years.map((y) => y.fiscalYear) : [];
  return (
    <section className="card" aria-labelledby="report-title">
      <h2 id="report-title">Report</h2>
      {error && (
        <p className="error" role="alert">
          {plainMessage(error)}
        </p>
      )}
      {loading && !report && <p>Loading…</p>}
      {report && (
        <>
          <p className="muted">Generated {new Date(report.generatedAt).toLocaleString()}</p>
          <div className="scroll">
            <table aria-label="Key figures by year">
              <thead>
                <tr>
                  <th scope="col">Figure</th>
                  {report.years.map((y) => (
                    <th scope="col" key={y.fiscalYear} className="num">
                      FY{y.fiscalYear}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {ROWS.map((row) => (
                  <tr key={row.label}>
                    <th scope="row">{row.label}</th>
                    {report.years.map((y) => (
                      <td key={y.fiscalYear} className="num">
                        {row.value(y)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <DownloadWorkbook projectId={projectId} />
          {report.forms.map((form) => (
            <FormTable key={form.code} form={form} fiscalYears={fiscalYears} />
          ))}
          <RatiosTable ratios={report.ratios} fiscalYears={fiscalYears} />
        </>
      )}
    </section>
  );
}

/** Asks for a short-lived signed link, then lets the browser fetch the workbook from it. */
function DownloadWorkbook({ projectId }: { projectId: string }) {
  const [getUrl] = useMutation(ConsoleReportDownloadUrlDocument);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  async function download() {
    setBusy(true);
    setFailure(null);
    try {
      const { data } = await getUrl({ variables: { projectId } });
      if (!data?.reportDownloadUrl) throw new Error('The server did not return a download link.');
      window.location.assign(data.reportDownloadUrl);
    } catch (err) {
      setFailure(plainMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="actions report-actions">
      <button type="button" className="secondary" onClick={() => void download()} disabled={busy} aria-busy={busy}>
        {busy ? 'Preparing workbook…' : 'Download workbook (.xlsx)'}
      </button>
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
    </div>
  );
}

function formCell(row: FormRow, fiscalYear: number): string {
  if (row.kind === 'HEADING') return '';
  const value = row.values.find((v) => v.fiscalYear === fiscalYear);
  if (!value || (value.amount == null && value.months == null)) return '—';
  const parts: string[] = [];
  if (value.amount != null) parts.push(row.kind === 'RATIO' ? ratio.format(value.amount) : inLakh(value.amount));
  if (value.months != null) parts.push(`${months.format(value.months)} months`);
  return parts.join(' · ');
}

/**
 * A table with a row label column, `leading` more columns, then one column per year, in its own
 * titled section that scrolls sideways; `--years` feeds the phone layout (styles.css).
 */
function YearTable(props: { headingId: string; title: string; leading: string[]; caption?: string; fiscalYears: number[]; children: ReactNode }) {
  const { headingId, title, fiscalYears } = props;
  return (
    <section className="report-form" aria-labelledby={headingId}>
      <h3 id={headingId}>{title}</h3>
      <div className="scroll" tabIndex={0} role="region" aria-label={`${title} (scrolls sideways)`}>
        <table aria-labelledby={headingId} style={{ '--years': fiscalYears.length } as CSSProperties}>
          {props.caption && <caption className="visually-hidden">{props.caption}</caption>}
          <thead>
            <tr>
              {props.leading.map((label) => (
                <th scope="col" key={label}>
                  {label}
                </th>
              ))}
              {fiscalYears.map((fy) => (
                <th scope="col" key={fy} className="num">
                  {fiscalYearLabel(fy)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{props.children}</tbody>
        </table>
      </div>
    </section>
  );
}

/** One CMA form (II–VI): rows indented by level, amounts in ₹ lakh, holding levels in months. */
function FormTable({ form, fiscalYears }: { form: Form; fiscalYears: number[] }) {
  return (
    <YearTable headingId={`form-${form.code}`} title={form.title} leading={['Particulars (₹ lakh)']} caption={`${form.title}, amounts in ₹ lakh`} fiscalYears={fiscalYears}>
      {form.rows.map((row) => (
        <tr key={row.code} data-code={row.code} className={`row-${row.kind.toLowerCase()}`}>
          <th scope="row" style={{ '--level': Math.max(0, row.level) } as CSSProperties}>
            {row.label}
          </th>
          {fiscalYears.map((fy) => (
            <td key={fy} className="num">
              {formCell(row, fy)}
            </td>
          ))}
        </tr>
      ))}
    </YearTable>
  );
}

/** The ratios with their formula and benchmark, and whether each year meets it (in words, not only colour). */
function RatiosTable({ ratios, fiscalYears }: { ratios: Ratio[]; fiscalYears: number[] }) {
  return (
    <YearTable headingId="ratios-title" title="Ratios" leading={['Ratio', 'Formula', 'Benchmark']} fiscalYears={fiscalYears}>
      {ratios.map((r) => (
        <tr key={r.code} data-code={r.code}>
          <th scope="row">{r.label}</th>
          <td className="muted">{r.formula}</td>
          <td>{r.benchmark}</td>
          {fiscalYears.map((fy) => {
            const v = r.values.find((x) => x.fiscalYear === fy);
            return (
              <td key={fy} className="num">
                {v?.value == null ? '—' : ratio.format(v.value)}
                {v?.meetsBenchmark === true && <span className="meets"> ✓ Met</span>}
                {v?.meetsBenchmark === false && <span className="misses"> ✗ Not met</span>}
              </td>
            );
          })}
        </tr>
      ))}
    </YearTable>
  );
}
