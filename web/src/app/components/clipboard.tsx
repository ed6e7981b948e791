import { useT } from '../i18n.tsx';
import { appMessages } from '../messages.ts';
import { useToast } from './toasts.tsx';

/** Copies `text`; the outcome is announced through the toasts' live region. */
export function CopyButton({ text, label }: { readonly text: string; readonly label?: string }) {
  const t = useT(appMessages);
  const toast = useToast();
  return (
    <button
      type="button"
      class="button button-secondary"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          toast(t('copied'), 'success');
        } catch {
          toast(t('copyFailed'), 'warning');
        }
      }}
    >
      {label ?? t('copy')}
    </button>
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
