import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useT } from '../i18n.tsx';
import { appMessages } from '../messages.ts';
import { Button } from './button.tsx';
import { useToast } from './toasts.tsx';

const OUTCOME_SHOWN_MS = 3000;

/**
 * Copies `text`; the outcome is announced through the toasts' live region and also shown beside
 * the button for a moment (the notices sit at the top of the page, often scrolled out of view).
 */
export function CopyButton({ text, label }: { readonly text: string; readonly label?: string }) {
  const t = useT(appMessages);
  const toast = useToast();
  const [outcome, setOutcome] = useState<'copied' | 'copyFailed' | null>(null);
  useEffect(() => {
    if (!outcome) return;
    const timer = setTimeout(() => setOutcome(null), OUTCOME_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [outcome]);
  return (
    <span class="copy">
      <button
        type="button"
        class="button button-secondary"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
            setOutcome('copied');
            toast(t('copied'), 'success');
          } catch {
            setOutcome('copyFailed');
            toast(t('copyFailed'), 'warning');
          }
        }}
      >
        {label ?? t('copy')}
      </button>
      {/* read out once, by the live region; this is for the eyes */}
      {outcome ? (
        <span class="copy-outcome" aria-hidden="true">
          {t(outcome)}
        </span>
      ) : null}
    </span>
  );
}

/**
 * A secret the server shows once (an API key, a printer credential): said plainly, selectable in
 * one click, with a copy button.
 */
export function SecretBox({ label, secret }: { readonly label: string; readonly secret: string }) {
  const t = useT(appMessages);
  return (
    <section class="secret-box" aria-label={label}>
      <p class="secret-warning">
        <strong>{t('shownOnce')}</strong>
      </p>
      <p class="secret-label">{label}</p>
      <code class="secret-value">{secret}</code>
      <CopyButton text={secret} label={`${t('copy')}: ${label}`} />
    </section>
  );
}

/**
 * The panel a page shows after the server hands over a secret once: what happened (`children`),
 * the secret, and a Done button that puts the panel away.
 */
export function ShownOncePanel({
  label,
  secret,
  onDone,
  children,
}: {
  readonly label: string;
  readonly secret: string;
  readonly onDone: () => void;
  readonly children: ComponentChildren;
}) {
  const t = useT(appMessages);
  return (
    <div class="panel">
      {children}
      <SecretBox label={label} secret={secret} />
      <div class="actions">
        <Button variant="secondary" onClick={onDone}>
          {t('done')}
        </Button>
      </div>
    </div>
  );
}
