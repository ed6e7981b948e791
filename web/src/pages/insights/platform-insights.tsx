/**
 * `/insights/platform`: the platform's totals and the funnel from a show's page to a paid order
 * (`GET /v1/insights/platform`), as uPlot charts (a lazy chunk) with the same figures in tables.
 */
import { useMemo } from 'preact/hooks';
import { api } from '../../app/api.ts';
import { Button, DataTable, ErrorMessage, Loading, PageTitle } from '../../app/components/index.ts';
import { useQueryValue } from '../../app/components/page-kit.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatNumber } from '../../app/language.ts';
import { useResource } from '../../app/resource.ts';
import { localeOf } from '../../shows/studio/studio-form.ts';
import { InsightsChart, useChart } from './insights-chart.tsx';
import {
  dayToSeconds,
  type FunnelRow,
  insightsPath,
  type PlatformInsights as Platform,
  percent,
  rangeDaysOf,
  rangeOf,
  readPlatformInsights,
} from './insights-data.ts';
import { moneyWords, RangeForm, RangeShown, Totals, useDayWords } from './insights-kit.tsx';
import { messages } from './messages.ts';

const BLUE = '#0b5cad';
const ORANGE = '#a34700';
const GREEN = '#2e6b30';

/** `ticketsSold` → "Tickets sold" when the page has no words of its own for a total. */
function humanise(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export default function PlatformInsights() {
  const t = useT(messages);
  const { language } = useLanguage();
  const locale = localeOf(language);
  const days = rangeDaysOf(useQueryValue('days'));
  const range = useMemo(() => rangeOf(days, new Date()), [days]);
  const insights = useResource(
    async (signal) =>
      readPlatformInsights(await api.get<unknown>(insightsPath('platform', range), { signal }), range),
    [range.from, range.to],
  );
  const data: Platform | undefined = insights.data;
  const stepWords = (step: FunnelRow['step']) => t(`step.${step}`);
  const totalWords = (name: string) => {
    const key = `total.${name}` as Parameters<typeof t>[0];
    const words = t(key);
    return words === key ? humanise(name) : words;
  };
  const percentWords = (share: number | null) => {
    const value = percent(share);
    return value === null ? '—' : t('percentValue', { value: formatNumber(language, value) });
  };
  const funnelChart = useChart(
    () => ({
      kind: 'funnel',
      spec: {
        // short names under the bars: three long ones overlap on a phone
        steps: (data?.funnel ?? []).map((row) => ({ label: t(`stepShort.${row.step}`), value: row.count })),
        seriesLabel: t('seriesCount'),
        stepLabel: t('columnStep'),
        locale,
        color: BLUE,
      },
    }),
    [data, locale],
  );
  // page views outnumber checkouts many times over: the later steps get the right axis, so their
  // days stay readable rather than flat along the bottom
  const dailyChart = useChart(
    () => ({
      kind: 'daily',
      spec: {
        x: (data?.days ?? []).map((day) => dayToSeconds(day.day)),
        locale,
        xLabel: t('columnDay'),
        series: [
          {
            label: t('step.showPageViews'),
            values: (data?.days ?? []).map((day) => day.showPageViews),
            style: 'bars',
            axis: 'left',
            color: BLUE,
            whole: true,
          },
          {
            label: t('step.checkouts'),
            values: (data?.days ?? []).map((day) => day.checkouts),
            style: 'line',
            axis: 'right',
            color: ORANGE,
            whole: true,
          },
          {
            label: t('step.ordersPaid'),
            values: (data?.days ?? []).map((day) => day.ordersPaid),
            style: 'line',
            axis: 'right',
            color: GREEN,
            whole: true,
          },
        ],
      },
    }),
    [data, locale],
  );
  const dayWords = useDayWords();
  const activeDays = (data?.days ?? []).filter(
    (day) => day.showPageViews > 0 || day.checkouts > 0 || day.ordersPaid > 0,
  );
  return (
    <section>
      <PageTitle title={t('platformTitle')}>{t('platformTitle')}</PageTitle>
      <p>{t('platformIntro')}</p>
      <RangeForm days={days} path="/insights/platform" />
      {insights.status === 'loading' && !data ? <Loading label={t('loading')} /> : null}
      {insights.status === 'failed' ? (
        <ErrorMessage error={insights.error} onRetry={insights.reload} />
      ) : null}
      {data ? (
        <>
          <RangeShown from={data.from} to={data.to} />
          <h2>{t('totalsHeading')}</h2>
          <Totals
            items={[
              ...data.totals.map((total) => ({
                term: totalWords(total.name),
                value: formatNumber(language, total.value),
              })),
              { term: t('totalRevenue'), value: moneyWords(language, data.revenue, t('noRevenue')) },
            ]}
          />
          <div class="actions">
            <Button variant="secondary" busy={insights.status === 'loading'} onClick={insights.reload}>
              {t('refresh')}
            </Button>
          </div>
          <h2>{t('funnelHeading')}</h2>
          {data.funnel.some((row) => row.count > 0) ? (
            <InsightsChart caption={t('funnelChart')} chart={funnelChart} />
          ) : null}
          <DataTable<FunnelRow>
            stacked
            caption={t('funnelCaption')}
            rows={data.funnel}
            rowKey={(row) => row.step}
            empty={<p>{t('daysEmpty')}</p>}
            columns={[
              { header: t('columnStep'), cell: (row) => stepWords(row.step) },
              { header: t('columnCount'), numeric: true, cell: (row) => formatNumber(language, row.count) },
              { header: t('columnOfPrevious'), numeric: true, cell: (row) => percentWords(row.ofPrevious) },
              { header: t('columnOfFirst'), numeric: true, cell: (row) => percentWords(row.ofFirst) },
            ]}
          />
          {activeDays.length > 0 ? (
            <>
              <h2>{t('perDayHeading')}</h2>
              <InsightsChart caption={t('platformDailyChart')} chart={dailyChart} />
              <DataTable
                caption={t('daysCaption')}
                rows={activeDays}
                rowKey={(day) => day.day}
                empty={<p>{t('daysEmpty')}</p>}
                columns={[
                  { header: t('columnDay'), cell: (day) => dayWords(day.day) },
                  ...(['showPageViews', 'checkouts', 'ordersPaid'] as const).map((step) => ({
                    header: stepWords(step),
                    numeric: true,
                    cell: (day: (typeof activeDays)[number]) => formatNumber(language, day[step]),
                  })),
                ]}
              />
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
