/**
 * What every insights page shows the same way: the period form (a select and a button, so moving
 * through the options never reloads the page under the keyboard), the totals as a definition
 * list, money per currency, and durations in words.
 */
import './insights.css';
import type { ComponentChildren, TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { Button, SelectField } from '../../app/components/index.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatNumber, type Language } from '../../app/language.ts';
import { formatMoney, localeOf } from '../../shows/studio/studio-form.ts';
import { type Money, RANGE_CHOICES, type RangeDays } from './insights-data.ts';
import { messages } from './messages.ts';

export function RangeForm({ days, path }: { readonly days: RangeDays; readonly path: string }) {
  const t = useT(messages);
  const { route } = useLocation();
  const [chosen, setChosen] = useState(String(days));
  return (
    <form
      class="insights-range"
      onSubmit={(event: TargetedSubmitEvent<HTMLFormElement>) => {
        event.preventDefault();
        route(`${path}?days=${encodeURIComponent(chosen)}`);
      }}
    >
      <SelectField
        label={t('rangeLabel')}
        value={chosen}
        onChange={(event) => setChosen(event.currentTarget.value)}
        options={RANGE_CHOICES.map((choice) => ({ value: String(choice), label: t(`range.${choice}`) }))}
      />
      <Button type="submit" variant="secondary">
        {t('showRange')}
      </Button>
    </form>
  );
}

/** The range in words, e.g. "From 8 Nov 2026 to 7 Dec 2026 (days in UTC)." */
export function RangeShown({ from, to }: { readonly from: string; readonly to: string }) {
  const t = useT(messages);
  const { language } = useLanguage();
  const day = new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'medium', timeZone: 'UTC' });
  const words = (value: string) => day.format(new Date(`${value}T00:00:00Z`));
  return <p class="insights-note">{t('rangeShown', { from: words(from), to: words(to) })}</p>;
}

export function Totals({
  items,
}: {
  readonly items: readonly { readonly term: string; readonly value: ComponentChildren }[];
}) {
  return (
    <dl class="insights-totals">
      {items.map((item) => (
        <div key={item.term}>
          <dt>{item.term}</dt>
          <dd>{item.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Money in every currency it came in, largest first ("€30.00 · $12.00"), or "None". */
export function moneyWords(language: Language, money: readonly Money[], none: string): string {
  if (money.length === 0) return none;
  return money.map((entry) => formatMoney(localeOf(language), entry.amount, entry.currency)).join(' · ');
}

/** Seconds as "3 h 12 min" or "12 min" (a dashboard's precision). */
export function useDuration(): (seconds: number) => string {
  const t = useT(messages);
  const { language } = useLanguage();
  return (seconds: number) => {
    const minutes = Math.round(seconds / 60);
    const hours = Math.floor(minutes / 60);
    if (hours === 0) return t('minutesOnly', { minutes: formatNumber(language, minutes) });
    return minutes % 60 === 0
      ? t('hoursOnly', { hours: formatNumber(language, hours) })
      : t('hoursMinutes', { hours: formatNumber(language, hours), minutes: minutes % 60 });
  };
}

/** A UTC day in the page's language without its year ("8 Nov"): the period above names it. */
export function useDayWords(): (day: string) => ComponentChildren {
  const { language } = useLanguage();
  const format = new Intl.DateTimeFormat(localeOf(language), {
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  });
  // on one line: a table squeezed on a phone would otherwise break "7 Dec" in two
  return (day: string) => <span class="insights-day">{format.format(new Date(`${day}T00:00:00Z`))}</span>;
}
