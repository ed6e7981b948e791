/**
 * `/insights/platform`: the platform's totals and the funnel from a show's page to a paid order
 * (`GET /v1/insights/platform`), as uPlot charts (a lazy chunk) with the same figures in tables.
 */
import { api } from '../../app/api.ts';
import { DataTable } from '../../app/components/index.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatBytes, formatNumber } from '../../app/language.ts';
import { localeOf } from '../../shows/studio/studio-form.ts';
import {
  BLUE,
  COUNT_BARS,
  GREEN,
  InsightsChart,
  ORANGE,
  useChart,
  useDailyChart,
} from './insights-chart.tsx';
import {
  FUNNEL_STEPS,
  type FunnelRow,
  funnelRows,
  insightsPath,
  type PlatformInsights as Platform,
  type PlatformDay,
  percent,
} from './insights-data.ts';
import {
  countColumn,
  DaysTable,
  InsightsFrame,
  moneyWords,
  useDuration,
  useInsights,
} from './insights-kit.tsx';
import { messages } from './messages.ts';

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
  const insights = useInsights((range, signal) =>
    api.get<Platform>(insightsPath('platform', range), { signal }),
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
  const dailyChart = useDailyChart(data?.daily, () => [
    { label: t('step.showPageViews'), value: (day) => day.showPageViews, ...COUNT_BARS },
    {
      label: t('step.checkoutsStarted'),
      value: (day) => day.checkoutsStarted,
      style: 'line',
      axis: 'right',
      color: ORANGE,
      whole: true,
    },
    {
      label: t('step.ordersPaid'),
      value: (day) => day.ordersPaid,
      style: 'line',
      axis: 'right',
      color: GREEN,
      whole: true,
    },
  ]);
  return (
    <InsightsFrame
      title={t('platformTitle')}
      intro={t('platformIntro')}
      insights={insights}
      figures={data}
      totals={(figures) => [
        { term: t('totalRevenue'), value: moneyWords(language, figures.totals.revenue, t('noRevenue')) },
        ...COUNTS.map((name) => ({
          term: t(`total.${name}`),
          value: formatNumber(language, figures.totals[name]),
        })),
        { term: t('totalRefunded'), value: moneyWords(language, figures.totals.refunded, t('noRevenue')) },
        { term: t('total.secondsWatched'), value: duration(figures.totals.secondsWatched) },
        { term: t('total.bytes'), value: formatBytes(language, figures.totals.bytes) },
      ]}
    >
      {(figures) => {
        const active = figures.daily.filter((day) => FUNNEL_STEPS.some((step) => day[step] > 0));
        return (
          <>
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
            {active.length > 0 ? (
              <InsightsChart caption={t('platformDailyChart')} chart={dailyChart} />
            ) : null}
            <DaysTable
              rows={active}
              columns={FUNNEL_STEPS.map((step) =>
                countColumn(language, t(`step.${step}`), (day: PlatformDay) => day[step]),
              )}
            />
          </>
        );
      }}
    </InsightsFrame>
  );
}
