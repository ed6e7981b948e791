/** Loading, empty, error and progress states, each announced the way assistive technology expects. */
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';
import { useErrorSentence, useT } from '../i18n.tsx';
import { appMessages } from '../messages.ts';
import type { Tone } from './tone.ts';

export function Loading({ label }: { readonly label?: string }) {
  const t = useT(appMessages);
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label ?? t('loading')}
    </p>
  );
}

export function EmptyState({ children }: { readonly children: ComponentChildren }) {
  return <div class="empty-state">{children}</div>;
}

/** A failure in words (role="alert", read out at once), with an optional retry. */
export function ErrorMessage({ error, onRetry }: { readonly error: unknown; readonly onRetry?: () => void }) {
  const sentence = useErrorSentence();
  const t = useT(appMessages);
  return (
    <div class="alert alert-error" role="alert">
      <p>{sentence(error)}</p>
      {onRetry ? (
        <button type="button" class="button button-secondary" onClick={onRetry}>
          {t('retry')}
        </button>
      ) : null}
    </div>
  );
}

/** A real progress bar: a labelled <progress> with the percentage also written out. */
export function ProgressBar({
  label,
  value,
  max = 100,
}: {
  readonly label: string;
  readonly value: number | null;
  readonly max?: number;
}) {
  const id = useId();
  const percent = value === null ? null : Math.round((Math.min(value, max) / max) * 100);
  return (
    <div class="progress">
      <label for={id}>
        {label}
        {percent === null ? null : <span class="progress-value"> {percent}%</span>}
      </label>
      {value === null ? <progress id={id} /> : <progress id={id} value={value} max={max} />}
    </div>
  );
}

export type { Tone } from './tone.ts';

/** A status in words with a colour to match (the words carry the meaning, not the colour). */
export function StatusBadge({
  tone,
  children,
}: {
  readonly tone: Tone;
  readonly children: ComponentChildren;
}) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

export function Notice({
  tone = 'info',
  children,
}: {
  readonly tone?: Tone;
  readonly children: ComponentChildren;
}) {
  return <div class={`alert alert-${tone}`}>{children}</div>;
}
