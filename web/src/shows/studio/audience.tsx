/**
 * `/studio/shows/:id/audience`: tickets sold and revenue per day (`GET /v1/studio/shows/{id}/sales`),
 * and views, unique viewers and data delivered per day of the show's video from the CDN logs
 * (`GET /v1/cdn-stats/videos/{id}`), as uPlot charts (a lazy chunk) with the same figures in
 * tables for screen readers and anyone who prefers numbers.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { ButtonLink, DataTable, ErrorMessage, Loading, PageTitle } from '../../app/components/index.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatBytes, formatNumber } from '../../app/language.ts';
import { useResource } from '../../app/resource.ts';
import { dayToSeconds, type SalesRow, salesRows, sum, viewRows } from './audience-data.ts';
import { messages } from './messages.ts';
import { type CdnDay, getCdnStats, getSales, getShow } from './studio-api.ts';
import { formatMoney, localeOf, minorDigits } from './studio-form.ts';
import { StudioNav } from './studio-nav.tsx';
import type { ChartSpec, DrawnChart } from './uplot-chart.ts';

const BLUE = '#0b5cad';
const ORANGE = '#a34700';

/** A chart drawn once uPlot's chunk is in, as wide as its box (and again when that changes). */
function Chart({ caption, spec }: { readonly caption: string; readonly spec: ChartSpec }) {
  const t = useT(messages);
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    let chart: DrawnChart | undefined;
    let observer: ResizeObserver | undefined;
    let gone = false;
    import('./uplot-chart.ts').then(
      ({ drawChart }) => {
        const target = box.current;
        if (gone || !target) return;
        target.replaceChildren();
        chart = drawChart(target, spec, target.clientWidth);
        setDrawn(true);
        observer = new ResizeObserver(() => chart?.resize(target.clientWidth));
        observer.observe(target);
      },
      () => setFailed(true),
    );
    return () => {
      gone = true;
      observer?.disconnect();
      chart?.destroy();
    };
  }, [spec]);
  return (
    <figure class="studio-chart">
      <figcaption>
        {caption} <span class="studio-notes">{t('chartHidden')}</span>
      </figcaption>
      {failed ? null : <div ref={box} class="studio-chart-canvas" aria-hidden="true" />}
      {drawn || failed ? null : <Loading label={t('chartLoading')} />}
    </figure>
  );
}

function useMemoSpec(make: () => ChartSpec, inputs: readonly unknown[]): ChartSpec {
  const ref = useRef<{ inputs: readonly unknown[]; spec: ChartSpec } | null>(null);
  if (!ref.current || ref.current.inputs.some((value, index) => value !== inputs[index]))
    ref.current = { inputs, spec: make() };
  return ref.current.spec;
}

function Sales({ id, currency }: { readonly id: string; readonly currency: string }) {
  const t = useT(messages);
  const { language } = useLanguage();
  const locale = localeOf(language);
  const sales = useResource((signal) => getSales(id, signal), [id]);
  const rows = sales.data ? salesRows(sales.data.days) : [];
  const digits = minorDigits(currency) ?? 2;
  const spec = useMemoSpec(
    () => ({
      x: rows.map((row) => dayToSeconds(row.day)),
      locale,
      xLabel: t('columnDay'),
      series: [
        {
          label: t('seriesTickets'),
          values: rows.map((row) => row.ticketsSold),
          style: 'bars',
          axis: 'left',
          color: BLUE,
          whole: true,
        },
        {
          label: t('seriesRevenue', { currency: currency.toUpperCase() }),
          values: rows.map((row) => row.revenue / 10 ** digits),
          style: 'line',
          axis: 'right',
          color: ORANGE,
        },
      ],
    }),
    [sales.data, locale, currency],
  );
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  return (
    <section aria-labelledby="sales">
      <h2 id="sales">{t('salesHeading')}</h2>
      {sales.status === 'loading' && !sales.data ? <Loading /> : null}
      {sales.error ? <ErrorMessage error={sales.error} onRetry={sales.reload} /> : null}
      {sales.data ? (
        <>
          <dl class="studio-totals">
            <div>
              <dt>{t('totalTickets')}</dt>
              <dd>
                {formatNumber(
                  language,
                  sum(rows, (row) => row.ticketsSold),
                )}
              </dd>
            </div>
            <div>
              <dt>{t('totalRevenue')}</dt>
              <dd>
                {formatMoney(
                  locale,
                  sum(rows, (row) => row.revenue),
                  currency,
                )}
              </dd>
            </div>
          </dl>
          {rows.some((row) => row.ticketsSold > 0) ? <Chart caption={t('salesChart')} spec={spec} /> : null}
          <DataTable<SalesRow>
            caption={t('salesCaption')}
            rows={rows.filter((row) => row.ticketsSold > 0 || row.revenue > 0)}
            rowKey={(row) => row.day}
            empty={<p>{t('salesEmpty')}</p>}
            columns={[
              { header: t('columnDay'), cell: (row) => day.format(new Date(`${row.day}T00:00:00Z`)) },
              {
                header: t('columnTickets'),
                numeric: true,
                cell: (row) => formatNumber(language, row.ticketsSold),
              },
              {
                header: t('totalRevenue'),
                numeric: true,
                cell: (row) => formatMoney(locale, row.revenue, currency),
              },
            ]}
          />
        </>
      ) : null}
    </section>
  );
}

function Views({ videoId }: { readonly videoId: string }) {
  const t = useT(messages);
  const { language } = useLanguage();
  const locale = localeOf(language);
  const stats = useResource((signal) => getCdnStats(videoId, signal), [videoId]);
  const rows = stats.data ? viewRows(stats.data.from, stats.data.to, stats.data.days) : [];
  const x = rows.map((row) => dayToSeconds(row.day));
  const viewsSpec = useMemoSpec(
    () => ({
      x,
      locale,
      xLabel: t('columnDay'),
      series: [
        {
          label: t('seriesViews'),
          values: rows.map((row) => row.views),
          style: 'bars',
          axis: 'left',
          color: BLUE,
          whole: true,
        },
        {
          label: t('seriesViewers'),
          values: rows.map((row) => row.viewers),
          style: 'line',
          axis: 'left',
          color: ORANGE,
          whole: true,
        },
      ],
    }),
    [stats.data, locale],
  );
  const bytesSpec = useMemoSpec(
    () => ({
      x,
      locale,
      xLabel: t('columnDay'),
      height: 180,
      series: [
        {
          label: t('seriesBytes'),
          values: rows.map((row) => row.bytes / 1e6),
          style: 'bars',
          axis: 'left',
          color: BLUE,
        },
      ],
    }),
    [stats.data, locale],
  );
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const totals = stats.data?.totals;
  return (
    <section aria-labelledby="views">
      <h2 id="views">{t('viewsHeading')}</h2>
      {stats.status === 'loading' && !stats.data ? <Loading /> : null}
      {stats.error ? <ErrorMessage error={stats.error} onRetry={stats.reload} /> : null}
      {totals ? (
        <>
          <dl class="studio-totals">
            <div>
              <dt>{t('totalViews')}</dt>
              <dd>{formatNumber(language, totals.views)}</dd>
            </div>
            <div>
              <dt>{t('totalViewers')}</dt>
              <dd>{formatNumber(language, totals.viewers)}</dd>
            </div>
            <div>
              <dt>{t('totalBytes')}</dt>
              <dd>{formatBytes(language, totals.bytes)}</dd>
            </div>
          </dl>
          {/* an empty chart says nothing the empty table's sentence does not */}
          {totals.requests > 0 || totals.bytes > 0 ? (
            <>
              <Chart caption={t('viewsChart')} spec={viewsSpec} />
              <Chart caption={t('bytesChart')} spec={bytesSpec} />
            </>
          ) : null}
          <DataTable<CdnDay>
            caption={t('viewsCaption')}
            rows={rows.filter((row) => row.views > 0 || row.bytes > 0)}
            rowKey={(row) => row.day}
            empty={<p>{t('viewsEmpty')}</p>}
            columns={[
              { header: t('columnDay'), cell: (row) => day.format(new Date(`${row.day}T00:00:00Z`)) },
              { header: t('columnViews'), numeric: true, cell: (row) => formatNumber(language, row.views) },
              {
                header: t('columnViewers'),
                numeric: true,
                cell: (row) => formatNumber(language, row.viewers),
              },
              { header: t('columnBytes'), numeric: true, cell: (row) => formatBytes(language, row.bytes) },
            ]}
          />
        </>
      ) : null}
    </section>
  );
}

export default function Audience() {
  const t = useT(messages);
  const { params } = useRoute();
  const id = typeof params.id === 'string' ? params.id : '';
  const show = useResource((signal) => getShow(id, signal), [id]);
  const title = show.data ? t('audienceTitle', { title: show.data.title }) : t('showLoading');
  return (
    <section>
      <StudioNav />
      <PageTitle title={title}>{title}</PageTitle>
      <p>{t('audienceIntro')}</p>
      {show.status === 'loading' && !show.data ? <Loading label={t('showLoading')} /> : null}
      {show.error ? <ErrorMessage error={show.error} onRetry={show.reload} /> : null}
      {show.data ? (
        <>
          <Sales id={show.data.id} currency={show.data.price.currency} />
          {show.data.videoId ? (
            <Views videoId={show.data.videoId} />
          ) : (
            <section aria-labelledby="views">
              <h2 id="views">{t('viewsHeading')}</h2>
              <p>{t('noVideoYet')}</p>
            </section>
          )}
        </>
      ) : null}
      <div class="actions">
        <ButtonLink href="/studio">{t('backToStudio')}</ButtonLink>
      </div>
    </section>
  );
}
