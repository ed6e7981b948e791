/**
 * The pieces an upload form repeats (the designer's upload, the studio's video upload): the file
 * input, and what the form says while and after the presigned PUT runs. Kept out of index.ts's
 * modules so that only the upload pages' chunks carry them.
 */

import { ErrorMessage, ProgressBar } from './feedback.tsx';
import { FieldFrame } from './fields.tsx';

/** One required file; `onChoose` hears the chosen file (null when the choice was cleared). */
export function FileField({
  label,
  hint,
  error,
  accept,
  disabled,
  onChoose,
}: {
  readonly label: string;
  readonly hint: string;
  readonly error: string | undefined;
  readonly accept: string;
  readonly disabled: boolean;
  readonly onChoose: (file: File | null) => void;
}) {
  return (
    <FieldFrame label={label} hint={hint} error={error}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          type="file"
          accept={accept}
          required
          disabled={disabled}
          aria-describedby={describedBy}
          aria-invalid={invalid ? 'true' : undefined}
          onChange={(event) => onChoose(event.currentTarget.files?.[0] ?? null)}
        />
      )}
    </FieldFrame>
  );
}

/**
 * The API's refusal (`failure`), the PUT's failure in words (`uploadFailure`, an alert), and the
 * PUT's progress bar while it runs (`progress`: bytes sent of total).
 */
export function UploadFeedback({
  failure,
  uploadFailure,
  progress,
}: {
  readonly failure: unknown;
  readonly uploadFailure: string | null;
  readonly progress: { readonly label: string; readonly sent: number; readonly total: number } | null;
}) {
  return (
    <>
      {failure ? <ErrorMessage error={failure} /> : null}
      {uploadFailure ? (
        <div class="alert alert-error" role="alert">
          <p>{uploadFailure}</p>
        </div>
      ) : null}
      {progress ? (
        <ProgressBar label={progress.label} value={progress.sent} max={Math.max(progress.total, 1)} />
      ) : null}
    </>
  );
}
