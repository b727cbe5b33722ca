import { useState, type DragEvent } from 'react';
import { useConsole } from '../app';
import { plainMessage } from '../lib/errors';
import { uploadDocument } from '../lib/upload';

/** What the service reads: CSV, and Excel workbooks (.xlsx). */
const ACCEPT = '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Drop statements here, or pick them with the file input (keyboard: Tab to it, Enter). */
export function UploadZone({ projectId, disabled, onUploaded }: { projectId: string; disabled: boolean; onUploaded(): void }) {
  const { session } = useConsole();
  const [over, setOver] = useState(false);
  const [state, setState] = useState<{ kind: 'idle' } | { kind: 'uploading'; name: string } | { kind: 'done'; name: string } | { kind: 'error'; message: string }>({
    kind: 'idle',
  });

  async function send(files: FileList | null) {
    if (!files || files.length === 0 || !session) return;
    for (const file of Array.from(files)) {
      setState({ kind: 'uploading', name: file.name });
      try {
        await uploadDocument(session.token, projectId, file);
        setState({ kind: 'done', name: file.name });
        onUploaded();
      } catch (err) {
        setState({ kind: 'error', message: `${file.name}: ${plainMessage(err)}` });
        return;
      }
    }
  }

  function drop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setOver(false);
    if (!disabled) void send(event.dataTransfer.files);
  }

  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
    >
      <label>
        Statements (CSV or Excel .xlsx): drop files here, or choose
        <input type="file" accept={ACCEPT} multiple disabled={disabled} onChange={(e) => void send(e.currentTarget.files).then(() => (e.target.value = ''))} />
      </label>
      <p role="status" aria-live="polite">
        {state.kind === 'uploading' && `Uploading ${state.name}…`}
        {state.kind === 'done' && `Uploaded ${state.name}.`}
      </p>
      {state.kind === 'error' && (
        <p className="error" role="alert">
          {state.message}
        </p>
      )}
    </div>
  );
}
