/**
 * `/studio/insights`: the creator organisation's tickets sold, checkouts and revenue per show, and
 * views, unique viewers, watch time and data per video, in total and per day
 * (`GET /v1/insights/creator`), as uPlot charts (a lazy chunk only this page and the portal's
 * insights pages load) with the same figures in tables. The frame, the period, the per-day table
 * and the charts are the portal's insights pages' own (pages/insights/insights-kit.tsx).
 */
import { api } from '../../app/api.ts';
import { type Column, DataTable } from '../../app/components/index.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatBytes, formatNumber } from '../../app/language.ts';
import {
  COUNT_BARS,
  GREEN,
  InsightsChart,
  ORANGE,
  useDailyChart,
} from '../../pages/insights/insights-chart.tsx';
import {
  amountIn,
  type CreatorInsights as Creator,
  hoursOf,
  insightsPath,
  mainCurrency,
  namesOf,
  type PlaybackFigures,
  type SalesFigures,
  withNames,
} from '../../pages/insights/insights-data.ts';
import {
  countColumn,
  DaysTable,
  InsightsFrame,
  moneyWords,
  useDuration,
  useInsights,
} from '../../pages/insights/insights-kit.tsx';
import { messages } from '../../pages/insights/messages.ts';
import { minorDigits } from './studio-form.ts';
import { StudioNav } from './studio-nav.tsx';

export default function CreatorInsights() {
  const t = useT(messages);
  const { language } = useLanguage();
  const insights = useInsights(async (range, signal) => {
    // the answer names shows and videos by id; their titles come from the studio's lists (ids
    // when a list fails)
    const [figures, shows, videos] = await Promise.all([
      api.get<Creator>(insightsPath('creator', range), { signal }),
      api.get<unknown>('/studio/shows?limit=100', { signal }).catch(() => null),
      api.get<unknown>('/videos?limit=100', { signal }).catch(() => null),
    ]);
    return { figures, showNames: namesOf(shows), videoNames: namesOf(videos) };
  });
  const data = insights.data?.figures;
  const currency = data ? mainCurrency(data.totals.revenue) : null;
  const digits = currency ? (minorDigits(currency) ?? 2) : 2;
  const salesChart = useDailyChart(
    data?.daily,
    () => [
      { label: t('seriesTickets'), value: (day) => day.ticketsSold, ...COUNT_BARS },
      ...(currency
        ? [
            {
              label: t('seriesRevenue', { currency: currency.toUpperCase() }),
              value: (day: SalesFigures) => amountIn(day.revenue, currency) / 10 ** digits,
              style: 'line' as const,
              axis: 'right' as const,
              color: ORANGE,
            },
          ]
        : []),
    ],
    [currency],
  );
  const viewsChart = useDailyChart(data?.daily, () => [
    { label: t('seriesViews'), value: (day) => day.views, ...COUNT_BARS },
    {
      label: t('seriesViewers'),
      value: (day) => day.uniqueViewers,
      style: 'line',
      axis: 'left',
      color: GREEN,
      whole: true,
    },
    {
      label: t('seriesHours'),
      value: (day) => hoursOf(day.secondsWatched),
      style: 'line',
      axis: 'right',
      color: ORANGE,
    },
  ]);
  const duration = useDuration();
  // each figure's column, the same in the per-show, per-video and per-day tables
  const tickets = countColumn(language, t('columnTickets'), (row: SalesFigures) => row.ticketsSold);
  const revenue: Column<SalesFigures> = {
    header: t('columnRevenue'),
    numeric: true,
    cell: (row) => moneyWords(language, row.revenue, '—'),
  };
  const views = countColumn(language, t('columnViews'), (row: PlaybackFigures) => row.views);
  const viewers = countColumn(language, t('columnViewers'), (row: PlaybackFigures) => row.uniqueViewers);
  const watchTime: Column<PlaybackFigures> = {
    header: t('columnWatchTime'),
    numeric: true,
    cell: (row) => duration(row.secondsWatched),
  };
  return (
    <InsightsFrame
      nav={<StudioNav />}
      title={t('creatorTitle')}
      intro={t('creatorIntro')}
      insights={insights}
      figures={data}
      totals={(figures) => [
        { term: t('totalTickets'), value: formatNumber(language, figures.totals.ticketsSold) },
        { term: t('totalRevenue'), value: moneyWords(language, figures.totals.revenue, t('noRevenue')) },
        { term: t('totalCheckouts'), value: formatNumber(language, figures.totals.checkoutsStarted) },
        ...(figures.totals.refunded.length > 0
          ? [{ term: t('totalRefunded'), value: moneyWords(language, figures.totals.refunded, '—') }]
          : []),
        { term: t('totalViews'), value: formatNumber(language, figures.totals.views) },
        { term: t('totalViewers'), value: formatNumber(language, figures.totals.uniqueViewers) },
        { term: t('totalWatchTime'), value: duration(figures.totals.secondsWatched) },
      ]}
    >
      {(figures) => {
        const salesDays = figures.daily.filter(
          (day) => day.ticketsSold > 0 || day.checkoutsStarted > 0 || day.revenue.length > 0,
        );
        const viewDays = figures.daily.filter(
          (day) => day.views > 0 || day.secondsWatched > 0 || day.bytes > 0,
        );
        const shows = withNames(
          figures.shows,
          (show) => show.showId,
          insights.data?.showNames ?? new Map(),
          (a, b) => b.ticketsSold - a.ticketsSold || b.checkoutsStarted - a.checkoutsStarted,
        );
        const videos = withNames(
          figures.videos,
          (video) => video.videoId,
          insights.data?.videoNames ?? new Map(),
          (a, b) => b.views - a.views || b.secondsWatched - a.secondsWatched,
        );
        return (
          <>
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
                tickets,
                countColumn(language, t('columnCheckouts'), (show) => show.checkoutsStarted),
                revenue,
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
                views,
                viewers,
                watchTime,
                {
                  header: t('columnBytes'),
                  numeric: true,
                  cell: (video) => formatBytes(language, video.bytes),
                },
              ]}
            />

            <h2>{t('perDayHeading')}</h2>
            <DaysTable
              rows={figures.daily.filter((day) => salesDays.includes(day) || viewDays.includes(day))}
              columns={[tickets, revenue, views, viewers, watchTime]}
            />
          </>
        );
      }}
    </InsightsFrame>
  );
}
