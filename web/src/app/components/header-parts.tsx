/**
 * What the portal's header (web/src/app/shell.tsx) and the shows app's (web/src/shows/shell.tsx)
 * both hold: the language switch and the main navigation.
 */
import { useLocation } from 'preact-iso';
import { useLanguage, useT } from '../i18n.tsx';
import { LANGUAGES, type Language } from '../language.ts';
import { appMessages } from '../messages.ts';

const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { en: 'English', it: 'Italiano' };

export function LanguageSwitch() {
  const { language, setLanguage } = useLanguage();
  const t = useT(appMessages);
  return (
    <label class="inline-field">
      <span>{t('language')}</span>
      <select value={language} onChange={(event) => setLanguage(event.currentTarget.value as Language)}>
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LANGUAGE_NAMES[code]}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A navigation entry: its path and its label in each language. */
export interface NavigationEntry {
  readonly path: string;
  readonly nav?: { readonly en: string; readonly it: string };
}

/** The main navigation; the entry whose path (or a path below it) is open is the current page. */
export function MainNavigation({
  label,
  entries,
}: {
  readonly label: string;
  readonly entries: readonly NavigationEntry[];
}) {
  const { language } = useLanguage();
  const { path } = useLocation();
  if (entries.length === 0) return null;
  return (
    <nav aria-label={label}>
      <ul>
        {entries.map((entry) => {
          const current = path === entry.path || path.startsWith(`${entry.path}/`);
          return (
            <li key={entry.path}>
              <a href={entry.path} aria-current={current ? 'page' : undefined}>
                {entry.nav?.[language]}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
