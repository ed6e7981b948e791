/**
 * `/insights`: licenses minted and prints completed for the designs the organisation owns, in
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
import { localeOf } from '../../shows/studio/studio-form.ts';
import { InsightsChart, useChart } from './insights-chart.tsx';
import {
  type DesignerInsights as Designer,
  type DesignerDay,
  dayToSeconds,
  insightsPath,
  namesOf,
  rangeDaysOf,
  rangeOf,
  withNames,
} from './insights-data.ts';
import { RangeForm, RangeShown, Totals, useDayWords } from './insights-kit.tsx';
import { messages } from './messages.ts';

const BLUE = '#0b5cad';
const GREEN = '#2e6b30';

export default function DesignerInsights() {
  const t = useT(messages);
  const { language } = useLanguage();
  const locale = localeOf(language);
  const days = rangeDaysOf(useQueryValue('days'));
  const range = useMemo(() => rangeOf(days, new Date()), [days]);
  const insights = useResource(
    async (signal) => {
      // the answer names designs by id; their names come from the designs list (ids when it fails)
      const [figures, designs] = await Promise.all([
        api.get<Designer>(insightsPath('designer', range), { signal }),
        api.get<unknown>('/designs?limit=100', { signal }).catch(() => null),
      ]);
      return { figures, names: namesOf(designs) };
    },
    [range.from, range.to],
  );
  const data = insights.data?.figures;
  const chart = useChart(
    () => ({
      kind: 'daily',
      spec: {
        x: (data?.daily ?? []).map((day) => dayToSeconds(day.day)),
        locale,
        xLabel: t('columnDay'),
        series: [
          {
            label: t('seriesLicenses'),
            values: (data?.daily ?? []).map((day) => day.licensesMinted),
            style: 'bars',
            axis: 'left',
            color: BLUE,
            whole: true,
          },
          {
            label: t('seriesPrints'),
            values: (data?.daily ?? []).map((day) => day.printsCompleted),
            style: 'line',
            axis: 'left',
            color: GREEN,
            whole: true,
          },
        ],
      },
    }),
    [data, locale],
  );
  const dayWords = useDayWords();
  const active = (data?.daily ?? []).filter((day) => day.licensesMinted > 0 || day.printsCompleted > 0);
  const designs = data
    ? withNames(
        data.designs,
        (design) => design.designId,
        insights.data?.names ?? new Map(),
        (a, b) => b.licensesMinted - a.licensesMinted || b.printsCompleted - a.printsCompleted,
      )
    : [];
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
          <RangeShown from={data.range.from} to={data.range.to} />
          <h2>{t('totalsHeading')}</h2>
          <Totals
            items={[
              { term: t('totalLicenses'), value: formatNumber(language, data.totals.licensesMinted) },
              { term: t('totalPrints'), value: formatNumber(language, data.totals.printsCompleted) },
            ]}
          />
          <div class="actions">
            <Button variant="secondary" busy={insights.status === 'loading'} onClick={insights.reload}>
              {t('refresh')}
            </Button>
          </div>
          {active.length > 0 ? <InsightsChart caption={t('designerChart')} chart={chart} /> : null}
          <h2>{t('perDesignHeading')}</h2>
          <DataTable<(typeof designs)[number]>
            stacked
            caption={t('designsCaption')}
            rows={designs}
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
                cell: (design) => formatNumber(language, design.licensesMinted),
              },
              {
                header: t('columnPrints'),
                numeric: true,
                cell: (design) => formatNumber(language, design.printsCompleted),
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
                cell: (day) => formatNumber(language, day.licensesMinted),
              },
              {
                header: t('columnPrints'),
                numeric: true,
                cell: (day) => formatNumber(language, day.printsCompleted),
              },
            ]}
          />
        </>
      ) : null}
    </section>
  );
}
