import { useQuery } from '@apollo/client/react';
import { ConsoleReportDocument, type ConsoleReportQuery } from '../generated/graphql';
import { plainMessage } from '../lib/errors';

type Year = NonNullable<NonNullable<ConsoleReportQuery['project']>['report']>['years'][number];

const rupees = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 0 });
const ratio = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const days = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 0 });

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
        </>
      )}
    </section>
  );
}
