/**
 * A destructive action behind a confirmation: the native <dialog> (modal, focus trapped, Escape
 * closes) asks, and only "Confirm" runs `onConfirm`.
 */
import type { ComponentChildren } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';
import { useT } from '../i18n.tsx';
import { appMessages } from '../messages.ts';
import { Button } from './button.tsx';

export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  variant = 'danger',
}: {
  /** The button's text, e.g. "Remove Ada". */
  readonly label: string;
  readonly question: ComponentChildren;
  readonly confirmLabel?: string;
  readonly onConfirm: () => Promise<void> | void;
  readonly variant?: 'danger' | 'secondary';
}) {
  const t = useT(appMessages);
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  return (
    <>
      <Button variant={variant} onClick={() => dialog.current?.showModal()}>
        {label}
      </Button>
      <dialog ref={dialog} aria-labelledby={`${id}-question`} class="confirm">
        <p id={`${id}-question`}>{question}</p>
        <div class="actions">
          <Button variant="secondary" onClick={() => dialog.current?.close()}>
            {t('cancel')}
          </Button>
          <Button
            variant="danger"
            busy={busy}
            onClick={async () => {
              setBusy(true);
              try {
                await onConfirm();
              } finally {
                setBusy(false);
                dialog.current?.close();
              }
            }}
          >
            {confirmLabel ?? t('confirm')}
          </Button>
        </div>
      </dialog>
    </>
  );
}
