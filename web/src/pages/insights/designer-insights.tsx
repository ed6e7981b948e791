/**
 * `/insights`: the designer organisation's licenses minted, prints completed and revenue, in
 * total, per design and per day (`GET /v1/insights/designer`), with a daily uPlot chart (a lazy
 * chunk) and the same figures in tables.
 */
import { useMemo } from 'preact/hooks';
import { api } from '../../app/api.ts';
import { Button, DataTable, ErrorMessage, Loading, PageTitle } from '../../app/components/index.ts';
import { useQueryValue } from '../../app/components/page-kit.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatNumber } from '../../app/language.ts';
import { useResource } from '../../app/resource.ts';
import { localeOf, minorDigits } from '../../shows/studio/studio-form.ts';
import { InsightsChart, useChart } from './insights-chart.tsx';
import {
  amountIn,
  type DesignerDay,
  type DesignFigures,
  dayToSeconds,
  insightsPath,
  mainCurrency,
  rangeDaysOf,
  rangeOf,
  readDesignerInsights,
} from './insights-data.ts';
import { moneyWords, RangeForm, RangeShown, Totals, useDayWords } from './insights-kit.tsx';
import { messages } from './messages.ts';

const BLUE = '#0b5cad';
const ORANGE = '#a34700';
const GREEN = '#2e6b30';

export default function DesignerInsights() {
  const t = useT(messages);
  const { language } = useLanguage();
  const locale = localeOf(language);
  const days = rangeDaysOf(useQueryValue('days'));
  const range = useMemo(() => rangeOf(days, new Date()), [days]);
  const insights = useResource(
    async (signal) =>
      readDesignerInsights(await api.get<unknown>(insightsPath('designer', range), { signal }), range),
    [range.from, range.to],
  );
  const data = insights.data;
  const currency = data ? mainCurrency(data.totals.revenue) : null;
  const digits = currency ? (minorDigits(currency) ?? 2) : 2;
  const chart = useChart(
    () => ({
      kind: 'daily',
      spec: {
        x: (data?.days ?? []).map((day) => dayToSeconds(day.day)),
        locale,
        xLabel: t('columnDay'),
        series: [
          {
            label: t('seriesLicenses'),
            values: (data?.days ?? []).map((day) => day.licenses),
            style: 'bars',
            axis: 'left',
            color: BLUE,
            whole: true,
          },
          {
            label: t('seriesPrints'),
            values: (data?.days ?? []).map((day) => day.prints),
            style: 'line',
            axis: 'left',
            color: GREEN,
            whole: true,
          },
          ...(currency
            ? [
                {
                  label: t('seriesRevenue', { currency: currency.toUpperCase() }),
                  values: (data?.days ?? []).map((day) => amountIn(day.revenue, currency) / 10 ** digits),
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
  const dayWords = useDayWords();
  const active = (data?.days ?? []).filter(
    (day) => day.licenses > 0 || day.prints > 0 || day.revenue.length > 0,
  );
  return (
    <section>
      <PageTitle title={t('designerTitle')}>{t('designerTitle')}</PageTitle>
      <p>{t('designerIntro')}</p>
      <RangeForm days={days} path="/insights" />
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
              { term: t('totalLicenses'), value: formatNumber(language, data.totals.licenses) },
              { term: t('totalPrints'), value: formatNumber(language, data.totals.prints) },
              { term: t('totalRevenue'), value: moneyWords(language, data.totals.revenue, t('noRevenue')) },
            ]}
          />
          <div class="actions">
            <Button variant="secondary" busy={insights.status === 'loading'} onClick={insights.reload}>
              {t('refresh')}
            </Button>
          </div>
          {active.length > 0 ? <InsightsChart caption={t('designerChart')} chart={chart} /> : null}
          <h2>{t('perDesignHeading')}</h2>
          <DataTable<DesignFigures>
            stacked
            caption={t('designsCaption')}
            rows={data.designs}
            rowKey={(design) => design.designId}
            empty={<p>{t('designsEmpty')}</p>}
            columns={[
              {
                header: t('columnDesign'),
                cell: (design) => (
                  <a href={`/designs/${encodeURIComponent(design.designId)}`}>{design.name}</a>
                ),
              },
              {
                header: t('columnLicenses'),
                numeric: true,
                cell: (design) => formatNumber(language, design.licenses),
              },
              {
                header: t('columnPrints'),
                numeric: true,
                cell: (design) => formatNumber(language, design.prints),
              },
              {
                header: t('columnRevenue'),
                numeric: true,
                cell: (design) => moneyWords(language, design.revenue, '—'),
              },
            ]}
          />
          <h2>{t('perDayHeading')}</h2>
          <DataTable<DesignerDay>
            caption={t('daysCaption')}
            rows={active}
            rowKey={(day) => day.day}
            empty={<p>{t('daysEmpty')}</p>}
            columns={[
              { header: t('columnDay'), cell: (day) => dayWords(day.day) },
              {
                header: t('columnLicenses'),
                numeric: true,
                cell: (day) => formatNumber(language, day.licenses),
              },
              { header: t('columnPrints'), numeric: true, cell: (day) => formatNumber(language, day.prints) },
              {
                header: t('columnRevenue'),
                numeric: true,
                cell: (day) => moneyWords(language, day.revenue, '—'),
              },
            ]}
          />
        </>
      ) : null}
    </section>
  );
}
