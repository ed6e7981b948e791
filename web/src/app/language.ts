/**
 * Languages of the portal and how one is chosen. Pure (no DOM) so unit tests run it on Node;
 * `i18n.tsx` feeds it `navigator.languages` and the remembered choice.
 */
export const LANGUAGES = ['en', 'it'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The language English speakers and everyone else without a match gets. */
export const DEFAULT_LANGUAGE: Language = 'en';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * A remembered choice wins; otherwise the first of the browser's preferred languages we speak,
 * matched on the primary subtag (`it-CH` → `it`); otherwise English.
 */
export function chooseLanguage(
  remembered: string | null | undefined,
  preferred: readonly string[],
): Language {
  if (isLanguage(remembered)) return remembered;
  for (const tag of preferred) {
    const primary = tag.trim().toLowerCase().split('-')[0];
    if (isLanguage(primary)) return primary;
  }
  return DEFAULT_LANGUAGE;
}

/** One area's texts: English complete, Italian with the same keys (the type checks it). */
export interface Messages<Key extends string = string> {
  readonly en: Readonly<Record<Key, string>>;
  readonly it: Readonly<Record<Key, string>>;
}

/** Declares an area's messages so a key missing in Italian fails the typecheck. */
export function defineMessages<const En extends Record<string, string>>(messages: {
  en: En;
  it: Record<keyof En, string>;
}): Messages<Extract<keyof En, string>> {
  return messages as Messages<Extract<keyof En, string>>;
}

export type Params = Readonly<Record<string, string | number>>;

/**
 * The text for `key` in `language`, falling back to English when the translation is missing (or
 * empty) at run time, and to the key itself when neither has it, so a gap shows as a visible key
 * rather than a blank. `{name}` placeholders take `params`; unknown placeholders stay as written.
 */
export function translate(
  messages: { readonly en: Readonly<Record<string, string>>; readonly it: Readonly<Record<string, string>> },
  language: Language,
  key: string,
  params?: Params,
): string {
  const localised = messages[language][key];
  const text = localised !== undefined && localised !== '' ? localised : (messages.en[key] ?? key);
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/** Numbers and dates in the language's conventions (Italian: 1.234,5 and 07/12/2026). */
export function formatNumber(language: Language, value: number, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(language === 'it' ? 'it-IT' : 'en-GB', options).format(value);
}

export function formatDateTime(language: Language, iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language === 'it' ? 'it-IT' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(date);
}

/** Bytes as a person reads them: 1.2 MB, 512 KB, 900 bytes. */
export function formatBytes(language: Language, bytes: number): string {
  const units = language === 'it' ? ['byte', 'KB', 'MB', 'GB'] : ['bytes', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${formatNumber(language, value, { maximumFractionDigits: unit === 0 ? 0 : 1 })} ${units[unit]}`;
}
