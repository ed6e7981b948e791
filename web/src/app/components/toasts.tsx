/**
 * Short notices ("Copied", "Printer registered") in one polite live region that exists from the
 * start (a region inserted together with its text is often not read out). The region sits in the
 * page's flow at the top of <main> (the shell places `ToastRegion`), never floating over it: a
 * floating notice covered the very buttons a person reaches for next (Register printer, the next
 * row's Remove). Notices belong to the page they were raised on and go when the address changes.
 */
import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
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
const ToastListContext = createContext<{
  readonly toasts: readonly Toast[];
  readonly dismiss: (id: number) => void;
}>({ toasts: [], dismiss: () => {} });

const VISIBLE_MS = 6000;

export function ToastProvider({ children }: { readonly children: ComponentChildren }) {
  const [toasts, setToasts] = useState<readonly Toast[]>([]);
  const next = useRef(1);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());
  const { path } = useLocation();
  const dismiss = useCallback((id: number) => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    setToasts((all) => all.filter((toast) => toast.id !== id));
  }, []);
  const show = useCallback<Show>(
    (text, tone = 'info') => {
      const id = next.current++;
      setToasts((all) => [...all.slice(-2), { id, text, tone }]);
      timers.current.set(
        id,
        setTimeout(() => dismiss(id), VISIBLE_MS),
      );
    },
    [dismiss],
  );
  // Another page: what was said about the last one no longer applies to what is shown.
  useEffect(() => {
    for (const timer of timers.current.values()) clearTimeout(timer);
    timers.current.clear();
    setToasts([]);
  }, [path]);
  const list = useMemo(() => ({ toasts, dismiss }), [toasts, dismiss]);
  return (
    <ToastContext.Provider value={show}>
      <ToastListContext.Provider value={list}>{children}</ToastListContext.Provider>
    </ToastContext.Provider>
  );
}

/** The notices, where the shell puts them: first in <main>, pushing the page down while shown. */
export function ToastRegion() {
  const t = useT(appMessages);
  const { toasts, dismiss } = useContext(ToastListContext);
  return (
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
  );
}

export function useToast(): Show {
  return useContext(ToastContext);
}
