const LABELS: Record<string, string> = {
  DRAFT: 'Draft',
  QUEUED: 'Queued',
  PROCESSING: 'Processing',
  REVIEWING: 'Needs review',
  COMPLETED: 'Completed',
  ERROR: 'Error',
  CANCELLED: 'Cancelled',
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-status={status}>
      {LABELS[status] ?? status}
    </span>
  );
}
