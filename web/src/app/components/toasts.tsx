/**
 * Short notices ("Copied", "Design created") in one polite live region that exists from the start
 * (a region inserted together with its text is often not read out).
 */
import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useMemo, useRef, useState } from 'preact/hooks';
import { useT } from '../i18n.tsx';
import { appMessages } from '../messages.ts';
import type { Tone } from './tone.ts';

interface Toast {
  readonly id: number;
  readonly text: string;
  readonly tone: Tone;
}

type Show = (text: string, tone?: Tone) => void;
const ToastContext = createContext<Show>(() => {});

const VISIBLE_MS = 6000;

export function ToastProvider({ children }: { readonly children: ComponentChildren }) {
  const t = useT(appMessages);
  const [toasts, setToasts] = useState<readonly Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((toast) => toast.id !== id)), []);
  const show = useCallback<Show>(
    (text, tone = 'info') => {
      const id = next.current++;
      setToasts((all) => [...all.slice(-2), { id, text, tone }]);
      setTimeout(() => dismiss(id), VISIBLE_MS);
    },
    [dismiss],
  );
  const value = useMemo(() => show, [show]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <section class="toasts" aria-live="polite" aria-label={t('notifications')}>
        {toasts.map((toast) => (
          <div class={`toast alert alert-${toast.tone}`} key={toast.id}>
            <span>{toast.text}</span>
            <button type="button" class="button button-link" onClick={() => dismiss(toast.id)}>
              {t('dismiss')}
            </button>
          </div>
        ))}
      </section>
    </ToastContext.Provider>
  );
}

export function useToast(): Show {
  return useContext(ToastContext);
}
