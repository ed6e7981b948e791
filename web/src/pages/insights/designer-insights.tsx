/**
 * `/insights`: licenses minted and prints completed for the designs the organisation owns, in
 * total, per design and per day (`GET /v1/insights/designer`), with a daily uPlot chart (a lazy
 * chunk) and the same figures in tables.
 */
import { api } from '../../app/api.ts';
import { DataTable } from '../../app/components/index.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatNumber } from '../../app/language.ts';
import { COUNT_BARS, GREEN, InsightsChart, useDailyChart } from './insights-chart.tsx';
import {
  type DesignerInsights as Designer,
  type DesignFigures,
  insightsPath,
  namesOf,
  withNames,
} from './insights-data.ts';
import { countColumn, DaysTable, InsightsFrame, useInsights } from './insights-kit.tsx';
import { messages } from './messages.ts';

export default function DesignerInsights() {
  const t = useT(messages);
  const { language } = useLanguage();
  const insights = useInsights(async (range, signal) => {
    // the answer names designs by id; their names come from the designs list (ids when it fails)
    const [figures, designs] = await Promise.all([
      api.get<Designer>(insightsPath('designer', range), { signal }),
      api.get<unknown>('/designs?limit=100', { signal }).catch(() => null),
    ]);
    return { figures, names: namesOf(designs) };
  });
  const data = insights.data?.figures;
  const chart = useDailyChart(data?.daily, () => [
    { label: t('seriesLicenses'), value: (day) => day.licensesMinted, ...COUNT_BARS },
    {
      label: t('seriesPrints'),
      value: (day) => day.printsCompleted,
      style: 'line',
      axis: 'left',
      color: GREEN,
      whole: true,
    },
  ]);
  // the same two figures per design and per day
  const figureColumns = [
    countColumn(language, t('columnLicenses'), (row: DesignFigures) => row.licensesMinted),
    countColumn(language, t('columnPrints'), (row: DesignFigures) => row.printsCompleted),
  ];
  return (
    <InsightsFrame
      title={t('designerTitle')}
      intro={t('designerIntro')}
      insights={insights}
      figures={data}
      totals={(figures) => [
        { term: t('totalLicenses'), value: formatNumber(language, figures.totals.licensesMinted) },
        { term: t('totalPrints'), value: formatNumber(language, figures.totals.printsCompleted) },
      ]}
    >
      {(figures) => {
        const active = figures.daily.filter((day) => day.licensesMinted > 0 || day.printsCompleted > 0);
        const designs = withNames(
          figures.designs,
          (design) => design.designId,
          insights.data?.names ?? new Map(),
          (a, b) => b.licensesMinted - a.licensesMinted || b.printsCompleted - a.printsCompleted,
        );
        return (
          <>
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
                ...figureColumns,
              ]}
            />
            <h2>{t('perDayHeading')}</h2>
            <DaysTable rows={active} columns={figureColumns} />
          </>
        );
      }}
    </InsightsFrame>
  );
}
