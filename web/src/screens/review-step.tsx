import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { HEAD_TABLE } from '../../../src/services/cma/heads';
import { ConsoleClassifyDocument, ConsoleReviewItemsDocument, ConsoleStartProcessingDocument } from '../generated/graphql';
import { plainMessage } from '../lib/errors';

/** Heads a person can pick, per statement; from the service's own head table (one source). */
const HEADS = {
  BALANCE_SHEET: HEAD_TABLE.filter((h) => h.statement === 'BALANCE_SHEET').map((h) => h.code),
  PROFIT_AND_LOSS: HEAD_TABLE.filter((h) => h.statement === 'PROFIT_AND_LOSS').map((h) => h.code),
};
const headLabel = (code: string) => code.charAt(0) + code.slice(1).toLowerCase().replace(/_/g, ' ');
const rupees = new Intl.NumberFormat('en-IN', { style: 'currency', currency: 'INR', maximumFractionDigits: 0 });

/** The items the classifier was unsure of: pick a head for each, then continue the run. */
export function ReviewStep({ projectId, onContinued }: { projectId: string; onContinued(): void }) {
  const { data, error, refetch } = useQuery(ConsoleReviewItemsDocument, { variables: { projectId }, fetchPolicy: 'network-only' });
  const [classify] = useMutation(ConsoleClassifyDocument);
  const [start] = useMutation(ConsoleStartProcessingDocument);
  const [picked, setPicked] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const items = data?.project?.lineItems ?? [];
  async function saveAndContinue() {
    setBusy(true);
    setMessage(null);
    try {
      for (const item of items) {
        const head = picked[item.id];
        if (head) await classify({ variables: { lineItemId: item.id, head } });
      }
      await start({ variables: { projectId } });
      onContinued();
    } catch (err) {
      setMessage(plainMessage(err));
      void refetch();
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="review-title">
      <h2 id="review-title">Review</h2>
      {error && (
        <p className="error" role="alert">
          {plainMessage(error)}
        </p>
      )}
      <p>
        {items.length === 0 ? 'Nothing left to review.' : `${items.length} item${items.length === 1 ? '' : 's'} need a head before the report can be made.`}
      </p>
      {items.length > 0 && (
        <div className="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Year</th>
                <th scope="col">Line item</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Head</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => {
                const id = `head-${item.id}`;
                return (
                  <tr key={item.id}>
                    <td>{item.fiscalYear}</td>
                    <td>
                      {item.label} <span className="muted">({item.statement === 'BALANCE_SHEET' ? 'BS' : 'P&L'})</span>
                    </td>
                    <td className="num">{rupees.format(item.amount)}</td>
                    <td>
                      <label htmlFor={id} className="visually-hidden">
                        Head for {item.label} ({item.fiscalYear})
                      </label>
                      <select id={id} value={picked[item.id] ?? item.head ?? ''} onChange={(e) => setPicked((p) => ({ ...p, [item.id]: e.target.value }))}>
                        <option value="">Choose a head…</option>
                        {HEADS[item.statement].map((code) => (
                          <option key={code} value={code}>
                            {headLabel(code)}
                          </option>
                        ))}
                      </select>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
      <button type="button" disabled={busy || items.some((i) => !picked[i.id])} onClick={() => void saveAndContinue()}>
        Save and continue processing
      </button>
    </section>
  );
}
