/**
 * What every insights page (the designer's, the operator's, the creator's studio page) shows the
 * same way: the period asked for and the figures loaded for it, the frame around a page's own
 * figures (title, period form, loading and failure, the period in words, the totals, "Refresh"),
 * the per-day table, count columns, money per currency, and durations in words.
 */
import './insights.css';
import type { ComponentChildren, TargetedSubmitEvent } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import {
  Button,
  type Column,
  DataTable,
  ErrorMessage,
  Loading,
  PageTitle,
  SelectField,
} from '../../app/components/index.ts';
import { useQueryValue } from '../../app/components/page-kit.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatNumber, type Language } from '../../app/language.ts';
import { type Resource, useResource } from '../../app/resource.ts';
import { formatMoney, localeOf } from '../../shows/studio/studio-form.ts';
import { type DayRange, type Money, RANGE_CHOICES, rangeDaysOf, rangeOf } from './insights-data.ts';
import { messages } from './messages.ts';

/** The period the page's address asks for (`?days=`), and `load`'s figures for it, loaded again when it changes. */
export function useInsights<Loaded>(
  load: (range: DayRange, signal: AbortSignal) => Promise<Loaded>,
): Resource<Loaded> {
  const days = rangeDaysOf(useQueryValue('days'));
  const range = useMemo(() => rangeOf(days, new Date()), [days]);
  return useResource((signal) => load(range, signal), [range.from, range.to]);
}

export interface Total {
  readonly term: string;
  readonly value: ComponentChildren;
}

/**
 * An insights page: its title, intro and period form, the loading or failure of its figures and,
 * once they are in, the period in words, the totals, "Refresh" and then the page's own `children`.
 */
export function InsightsFrame<Figures extends { readonly range: DayRange }>({
  nav,
  title,
  intro,
  insights,
  figures,
  totals,
  children,
}: {
  /** Above the title (the studio's navigation). */
  readonly nav?: ComponentChildren;
  readonly title: string;
  readonly intro: string;
  readonly insights: Resource<unknown>;
  /** What was loaded (kept while a refresh is under way), undefined until then. */
  readonly figures: Figures | undefined;
  readonly totals: (figures: Figures) => readonly Total[];
  readonly children: (figures: Figures) => ComponentChildren;
}) {
  const t = useT(messages);
  return (
    <section>
      {nav}
      <PageTitle title={title}>{title}</PageTitle>
      <p>{intro}</p>
      <RangeForm />
      {insights.status === 'loading' && !figures ? <Loading label={t('loading')} /> : null}
      {insights.status === 'failed' ? (
        <ErrorMessage error={insights.error} onRetry={insights.reload} />
      ) : null}
      {figures ? (
        <>
          <RangeShown from={figures.range.from} to={figures.range.to} />
          <h2>{t('totalsHeading')}</h2>
          <Totals items={totals(figures)} />
          <div class="actions">
            <Button variant="secondary" busy={insights.status === 'loading'} onClick={insights.reload}>
              {t('refresh')}
            </Button>
          </div>
          {children(figures)}
        </>
      ) : null}
    </section>
  );
}

/** The period form, going to this page with `?days=` (the choice starts as the address's). */
function RangeForm() {
  const t = useT(messages);
  const { path, route } = useLocation();
  const [chosen, setChosen] = useState(String(rangeDaysOf(useQueryValue('days'))));
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
function RangeShown({ from, to }: { readonly from: string; readonly to: string }) {
  const t = useT(messages);
  const { language } = useLanguage();
  const day = new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'medium', timeZone: 'UTC' });
  const words = (value: string) => day.format(new Date(`${value}T00:00:00Z`));
  return <p class="insights-note">{t('rangeShown', { from: words(from), to: words(to) })}</p>;
}

function Totals({ items }: { readonly items: readonly Total[] }) {
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

/** A right-aligned column of counts in the page's language. */
export function countColumn<Row>(
  language: Language,
  header: string,
  count: (row: Row) => number,
): Column<Row> {
  return { header, numeric: true, cell: (row) => formatNumber(language, count(row)) };
}

/** The per-day table (the charts' figures): a day's name, then the page's `columns`. */
export function DaysTable<Day extends { readonly day: string }>({
  rows,
  columns,
}: {
  readonly rows: readonly Day[];
  readonly columns: readonly Column<Day>[];
}) {
  const t = useT(messages);
  const dayWords = useDayWords();
  return (
    <DataTable<Day>
      caption={t('daysCaption')}
      rows={rows}
      rowKey={(day) => day.day}
      empty={<p>{t('daysEmpty')}</p>}
      columns={[{ header: t('columnDay'), cell: (day) => dayWords(day.day) }, ...columns]}
    />
  );
}

/** A UTC day in the page's language without its year ("8 Nov"): the period above names it. */
function useDayWords(): (day: string) => ComponentChildren {
  const { language } = useLanguage();
  const format = new Intl.DateTimeFormat(localeOf(language), {
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  });
  // on one line: a table squeezed on a phone would otherwise break "7 Dec" in two
  return (day: string) => <span class="insights-day">{format.format(new Date(`${day}T00:00:00Z`))}</span>;
}
