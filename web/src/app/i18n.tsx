/**
 * The current language as context. Chosen once from the remembered choice or
 * `navigator.languages`, switchable from the header, remembered in localStorage and written to
 * `<html lang>` so screen readers pronounce the page right.
 */
import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { chooseLanguage, type Language, type Messages, type Params, translate } from './language.ts';
import { type Problem, problemSentence } from './problems.ts';

const STORAGE_KEY = 'forgecast.language';

function rememberedLanguage(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage refused (private mode, policy): fall back to the browser's languages
  }
}

interface LanguageState {
  readonly language: Language;
  readonly setLanguage: (language: Language) => void;
}

const LanguageContext = createContext<LanguageState>({ language: 'en', setLanguage: () => {} });

export function LanguageProvider({ children }: { children: ComponentChildren }) {
  const [language, setLanguageState] = useState<Language>(() =>
    chooseLanguage(rememberedLanguage(), navigator.languages ?? [navigator.language]),
  );
  // before paint, so the new words are never read out in the old language's voice
  useLayoutEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const setLanguage = useCallback((next: Language) => {
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // not remembered, still switched
    }
    setLanguageState(next);
  }, []);
  const value = useMemo(() => ({ language, setLanguage }), [language, setLanguage]);
  return <LanguageContext.Provider value={value}>{children}</LanguageContext.Provider>;
}

export function useLanguage(): LanguageState {
  return useContext(LanguageContext);
}

export type Translate<Key extends string> = (key: Key, params?: Params) => string;

/** `const t = useT(messages)`: the area's texts in the current language (English where missing). */
export function useT<Key extends string>(messages: Messages<Key>): Translate<Key> {
  const { language } = useLanguage();
  return useCallback(
    (key: Key, params?: Params) => translate(messages, language, key, params),
    [messages, language],
  );
}

/** The sentence for any failure a page caught: a problem in words, or a plain fallback. */
export function useErrorSentence(): (error: unknown) => string {
  const { language } = useLanguage();
  return useCallback(
    (error: unknown) => {
      if (error instanceof ApiError) {
        const problem: Problem = error.problem ?? { type: 'network', title: 'Network', status: 0 };
        return problemSentence(problem, language);
      }
      return language === 'it'
        ? 'Si è verificato un errore inatteso nella pagina. Ricarica e riprova.'
        : 'Something unexpected went wrong in the page. Reload and try again.';
    },
    [language],
  );
}
