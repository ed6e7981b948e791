/**
 * `/studio/insights`: the creator organisation's tickets sold, checkouts and revenue per show, and
 * views, unique viewers, watch time and data per video, in total and per day
 * (`GET /v1/insights/creator`), as uPlot charts (a lazy chunk only this page and the portal's
 * insights pages load) with the same figures in tables.
 */
import { useMemo } from 'preact/hooks';
import { api } from '../../app/api.ts';
import { Button, DataTable, ErrorMessage, Loading, PageTitle } from '../../app/components/index.ts';
import { useQueryValue } from '../../app/components/page-kit.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatBytes, formatNumber } from '../../app/language.ts';
import { useResource } from '../../app/resource.ts';
import { InsightsChart, useChart } from '../../pages/insights/insights-chart.tsx';
import {
  amountIn,
  type CreatorInsights as Creator,
  type CreatorDay,
  dayToSeconds,
  hoursOf,
  insightsPath,
  mainCurrency,
  namesOf,
  rangeDaysOf,
  rangeOf,
  withNames,
} from '../../pages/insights/insights-data.ts';
import {
  moneyWords,
  RangeForm,
  RangeShown,
  Totals,
  useDayWords,
  useDuration,
} from '../../pages/insights/insights-kit.tsx';
import { messages } from '../../pages/insights/messages.ts';
import { localeOf, minorDigits } from './studio-form.ts';
import { StudioNav } from './studio-nav.tsx';

const BLUE = '#0b5cad';
const ORANGE = '#a34700';
const GREEN = '#2e6b30';

export default function CreatorInsights() {
  const t = useT(messages);
  const { language } = useLanguage();
  const locale = localeOf(language);
  const days = rangeDaysOf(useQueryValue('days'));
  const range = useMemo(() => rangeOf(days, new Date()), [days]);
  const insights = useResource(
    async (signal) => {
      // the answer names shows and videos by id; their titles come from the studio's lists (ids
      // when a list fails)
      const [figures, shows, videos] = await Promise.all([
        api.get<Creator>(insightsPath('creator', range), { signal }),
        api.get<unknown>('/studio/shows?limit=100', { signal }).catch(() => null),
        api.get<unknown>('/videos?limit=100', { signal }).catch(() => null),
      ]);
      return { figures, showNames: namesOf(shows), videoNames: namesOf(videos) };
    },
    [range.from, range.to],
  );
  const data = insights.data?.figures;
  const currency = data ? mainCurrency(data.totals.revenue) : null;
  const digits = currency ? (minorDigits(currency) ?? 2) : 2;
  const x = (data?.daily ?? []).map((day) => dayToSeconds(day.day));
  const salesChart = useChart(
    () => ({
      kind: 'daily',
      spec: {
        x,
        locale,
        xLabel: t('columnDay'),
        series: [
          {
            label: t('seriesTickets'),
            values: (data?.daily ?? []).map((day) => day.ticketsSold),
            style: 'bars',
            axis: 'left',
            color: BLUE,
            whole: true,
          },
          ...(currency
            ? [
                {
                  label: t('seriesRevenue', { currency: currency.toUpperCase() }),
                  values: (data?.daily ?? []).map((day) => amountIn(day.revenue, currency) / 10 ** digits),
                  style: 'line' as const,
                  axis: 'right' as const,
                  color: ORANGE,
                },
              ]
            : []),
        ],
      },
    }),
    [data, locale, currency],
  );
  const viewsChart = useChart(
    () => ({
      kind: 'daily',
      spec: {
        x,
        locale,
        xLabel: t('columnDay'),
        series: [
          {
            label: t('seriesViews'),
            values: (data?.daily ?? []).map((day) => day.views),
            style: 'bars',
            axis: 'left',
            color: BLUE,
            whole: true,
          },
          {
            label: t('seriesViewers'),
            values: (data?.daily ?? []).map((day) => day.uniqueViewers),
            style: 'line',
            axis: 'left',
            color: GREEN,
            whole: true,
          },
          {
            label: t('seriesHours'),
            values: (data?.daily ?? []).map((day) => hoursOf(day.secondsWatched)),
            style: 'line',
            axis: 'right',
            color: ORANGE,
          },
        ],
      },
    }),
    [data, locale],
  );
  const duration = useDuration();
  const dayWords = useDayWords();
  const salesDays = (data?.daily ?? []).filter(
    (day) => day.ticketsSold > 0 || day.checkoutsStarted > 0 || day.revenue.length > 0,
  );
  const viewDays = (data?.daily ?? []).filter(
    (day) => day.views > 0 || day.secondsWatched > 0 || day.bytes > 0,
  );
  const shows = data
    ? withNames(
        data.shows,
        (show) => show.showId,
        insights.data?.showNames ?? new Map(),
        (a, b) => b.ticketsSold - a.ticketsSold || b.checkoutsStarted - a.checkoutsStarted,
      )
    : [];
  const videos = data
    ? withNames(
        data.videos,
        (video) => video.videoId,
        insights.data?.videoNames ?? new Map(),
        (a, b) => b.views - a.views || b.secondsWatched - a.secondsWatched,
      )
    : [];
  return (
    <section>
      <StudioNav />
      <PageTitle title={t('creatorTitle')}>{t('creatorTitle')}</PageTitle>
      <p>{t('creatorIntro')}</p>
      <RangeForm days={days} path="/studio/insights" />
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
              { term: t('totalTickets'), value: formatNumber(language, data.totals.ticketsSold) },
              { term: t('totalRevenue'), value: moneyWords(language, data.totals.revenue, t('noRevenue')) },
              { term: t('totalCheckouts'), value: formatNumber(language, data.totals.checkoutsStarted) },
              ...(data.totals.refunded.length > 0
                ? [{ term: t('totalRefunded'), value: moneyWords(language, data.totals.refunded, '—') }]
                : []),
              { term: t('totalViews'), value: formatNumber(language, data.totals.views) },
              { term: t('totalViewers'), value: formatNumber(language, data.totals.uniqueViewers) },
              { term: t('totalWatchTime'), value: duration(data.totals.secondsWatched) },
            ]}
          />
          <div class="actions">
            <Button variant="secondary" busy={insights.status === 'loading'} onClick={insights.reload}>
              {t('refresh')}
            </Button>
          </div>

          <h2>{t('salesHeading')}</h2>
          {salesDays.length > 0 ? <InsightsChart caption={t('salesChart')} chart={salesChart} /> : null}
          <DataTable<(typeof shows)[number]>
            stacked
            caption={t('showsCaption')}
            rows={shows}
            rowKey={(show) => show.showId}
            empty={<p>{t('showsEmpty')}</p>}
            columns={[
              {
                header: t('columnShow'),
                cell: (show) => (
                  <a href={`/studio/shows/${encodeURIComponent(show.showId)}/audience`}>{show.name}</a>
                ),
              },
              {
                header: t('columnTickets'),
                numeric: true,
                cell: (show) => formatNumber(language, show.ticketsSold),
              },
              {
                header: t('columnCheckouts'),
                numeric: true,
                cell: (show) => formatNumber(language, show.checkoutsStarted),
              },
              {
                header: t('columnRevenue'),
                numeric: true,
                cell: (show) => moneyWords(language, show.revenue, '—'),
              },
            ]}
          />

          <h2>{t('viewsHeading')}</h2>
          {viewDays.length > 0 ? <InsightsChart caption={t('viewsChart')} chart={viewsChart} /> : null}
          <DataTable<(typeof videos)[number]>
            stacked
            caption={t('videosCaption')}
            rows={videos}
            rowKey={(video) => video.videoId}
            empty={<p>{t('videosEmpty')}</p>}
            columns={[
              { header: t('columnVideo'), cell: (video) => video.name },
              {
                header: t('columnViews'),
                numeric: true,
                cell: (video) => formatNumber(language, video.views),
              },
              {
                header: t('columnViewers'),
                numeric: true,
                cell: (video) => formatNumber(language, video.uniqueViewers),
              },
              {
                header: t('columnWatchTime'),
                numeric: true,
                cell: (video) => duration(video.secondsWatched),
              },
              {
                header: t('columnBytes'),
                numeric: true,
                cell: (video) => formatBytes(language, video.bytes),
              },
            ]}
          />

          <h2>{t('perDayHeading')}</h2>
          <DataTable<CreatorDay>
            caption={t('daysCaption')}
            rows={data.daily.filter((day) => salesDays.includes(day) || viewDays.includes(day))}
            rowKey={(day) => day.day}
            empty={<p>{t('daysEmpty')}</p>}
            columns={[
              { header: t('columnDay'), cell: (day) => dayWords(day.day) },
              {
                header: t('columnTickets'),
                numeric: true,
                cell: (day) => formatNumber(language, day.ticketsSold),
              },
              {
                header: t('columnRevenue'),
                numeric: true,
                cell: (day) => moneyWords(language, day.revenue, '—'),
              },
              { header: t('columnViews'), numeric: true, cell: (day) => formatNumber(language, day.views) },
              {
                header: t('columnViewers'),
                numeric: true,
                cell: (day) => formatNumber(language, day.uniqueViewers),
              },
              { header: t('columnWatchTime'), numeric: true, cell: (day) => duration(day.secondsWatched) },
            ]}
          />
        </>
      ) : null}
    </section>
  );
}
