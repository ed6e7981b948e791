/**
 * `/insights/platform`: the platform's totals and the funnel from a show's page to a paid order
 * (`GET /v1/insights/platform`), as uPlot charts (a lazy chunk) with the same figures in tables.
 */
import { useMemo } from 'preact/hooks';
import { api } from '../../app/api.ts';
import { Button, DataTable, ErrorMessage, Loading, PageTitle } from '../../app/components/index.ts';
import { useQueryValue } from '../../app/components/page-kit.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatBytes, formatNumber } from '../../app/language.ts';
import { useResource } from '../../app/resource.ts';
import { localeOf } from '../../shows/studio/studio-form.ts';
import { InsightsChart, useChart } from './insights-chart.tsx';
import {
  dayToSeconds,
  FUNNEL_STEPS,
  type FunnelRow,
  funnelRows,
  insightsPath,
  type PlatformInsights as Platform,
  type PlatformDay,
  percent,
  rangeDaysOf,
  rangeOf,
} from './insights-data.ts';
import { moneyWords, RangeForm, RangeShown, Totals, useDayWords, useDuration } from './insights-kit.tsx';
import { messages } from './messages.ts';

const BLUE = '#0b5cad';
const ORANGE = '#a34700';
const GREEN = '#2e6b30';

/** The totals shown, in this order, and how each is written. */
const COUNTS = [
  'ticketsSold',
  'ordersPaid',
  'checkoutsStarted',
  'ordersRefunded',
  'views',
  'uniqueViewers',
  'licensesMinted',
  'printsCompleted',
] as const;

export default function PlatformInsights() {
  const t = useT(messages);
  const { language } = useLanguage();
  const locale = localeOf(language);
  const days = rangeDaysOf(useQueryValue('days'));
  const range = useMemo(() => rangeOf(days, new Date()), [days]);
  const insights = useResource(
    (signal) => api.get<Platform>(insightsPath('platform', range), { signal }),
    [range.from, range.to],
  );
  const data = insights.data;
  const duration = useDuration();
  const percentWords = (share: number | null) => {
    const value = percent(share);
    return value === null ? '—' : t('percentValue', { value: formatNumber(language, value) });
  };
  const funnel = data ? funnelRows(data.funnel) : [];
  const funnelChart = useChart(
    () => ({
      kind: 'funnel',
      spec: {
        // short names under the bars: three long ones overlap on a phone
        steps: funnel.map((row) => ({ label: t(`stepShort.${row.step}`), value: row.count })),
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
        x: (data?.daily ?? []).map((day) => dayToSeconds(day.day)),
        locale,
        xLabel: t('columnDay'),
        series: [
          {
            label: t('step.showPageViews'),
            values: (data?.daily ?? []).map((day) => day.showPageViews),
            style: 'bars',
            axis: 'left',
            color: BLUE,
            whole: true,
          },
          {
            label: t('step.checkoutsStarted'),
            values: (data?.daily ?? []).map((day) => day.checkoutsStarted),
            style: 'line',
            axis: 'right',
            color: ORANGE,
            whole: true,
          },
          {
            label: t('step.ordersPaid'),
            values: (data?.daily ?? []).map((day) => day.ordersPaid),
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
  const active = (data?.daily ?? []).filter((day) => FUNNEL_STEPS.some((step) => day[step] > 0));
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
          <RangeShown from={data.range.from} to={data.range.to} />
          <h2>{t('totalsHeading')}</h2>
          <Totals
            items={[
              { term: t('totalRevenue'), value: moneyWords(language, data.totals.revenue, t('noRevenue')) },
              ...COUNTS.map((name) => ({
                term: t(`total.${name}`),
                value: formatNumber(language, data.totals[name]),
              })),
              { term: t('totalRefunded'), value: moneyWords(language, data.totals.refunded, t('noRevenue')) },
              { term: t('total.secondsWatched'), value: duration(data.totals.secondsWatched) },
              { term: t('total.bytes'), value: formatBytes(language, data.totals.bytes) },
            ]}
          />
          <div class="actions">
            <Button variant="secondary" busy={insights.status === 'loading'} onClick={insights.reload}>
              {t('refresh')}
            </Button>
          </div>
          <h2>{t('funnelHeading')}</h2>
          {funnel.some((row) => row.count > 0) ? (
            <InsightsChart caption={t('funnelChart')} chart={funnelChart} />
          ) : null}
          <DataTable<FunnelRow>
            stacked
            caption={t('funnelCaption')}
            rows={funnel}
            rowKey={(row) => row.step}
            empty={<p>{t('daysEmpty')}</p>}
            columns={[
              // not right-aligned: as cards on a phone, long right-aligned names read badly
              { header: t('columnStep'), cell: (row) => t(`step.${row.step}`) },
              { header: t('columnCount'), cell: (row) => formatNumber(language, row.count) },
              { header: t('columnOfPrevious'), cell: (row) => percentWords(row.ofPrevious) },
              { header: t('columnOfFirst'), cell: (row) => percentWords(row.ofFirst) },
            ]}
          />
          <h2>{t('perDayHeading')}</h2>
          {active.length > 0 ? <InsightsChart caption={t('platformDailyChart')} chart={dailyChart} /> : null}
          <DataTable<PlatformDay>
            caption={t('daysCaption')}
            rows={active}
            rowKey={(day) => day.day}
            empty={<p>{t('daysEmpty')}</p>}
            columns={[
              { header: t('columnDay'), cell: (day) => dayWords(day.day) },
              ...FUNNEL_STEPS.map((step) => ({
                header: t(`step.${step}`),
                numeric: true,
                cell: (day: PlatformDay) => formatNumber(language, day[step]),
              })),
            ]}
          />
        </>
      ) : null}
    </section>
  );
}
