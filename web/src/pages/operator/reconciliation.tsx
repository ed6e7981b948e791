/** The latest comparison of the off-chain ledger with the chain: counts, and each drift in words. */
import { ApiError, api } from '../../app/api.ts';
import {
  Button,
  type Column,
  DataTable,
  EmptyState,
  ErrorMessage,
  Loading,
  PageTitle,
  Properties,
  StatusBadge,
} from '../../app/components/index.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatDateTime, formatNumber } from '../../app/language.ts';
import { shortId } from '../../app/license-view.ts';
import { useResource } from '../../app/resource.ts';
import { messages } from './messages.ts';
import { OperatorNav } from './operator-nav.tsx';
import { type DriftItem, describeLedgerValue, driftKindKey, type ReconciliationReport } from './platform.ts';

export default function Reconciliation() {
  const t = useT(messages);
  const { language } = useLanguage();
  const report = useResource(async (signal) => {
    try {
      return await api.get<ReconciliationReport>('/ledger/reconciliation', { signal });
    } catch (error) {
      // No report yet is a state of the platform, not a failure of this page.
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }, []);

  const columns: Column<DriftItem>[] = [
    {
      header: t('driftKind'),
      cell: (item) => <StatusBadge tone="warning">{t(driftKindKey(item.kind))}</StatusBadge>,
    },
    {
      header: t('license'),
      cell: (item) =>
        item.licenseId ? (
          <code class="mono" title={item.licenseId}>
            {item.licenseId}
          </code>
        ) : (
          '—'
        ),
    },
    {
      header: t('token'),
      cell: (item) => (
        <code class="mono" title={item.tokenId}>
          {shortId(item.tokenId, 12)}
        </code>
      ),
    },
    {
      header: t('offChain'),
      cell: (item) => <pre class="drift-value">{describeLedgerValue(item.offChain)}</pre>,
    },
    {
      header: t('onChain'),
      cell: (item) => <pre class="drift-value">{describeLedgerValue(item.onChain)}</pre>,
    },
  ];

  const latest = report.data;
  return (
    <section>
      <PageTitle title={t('reconciliationTitle')}>{t('reconciliationTitle')}</PageTitle>
      <OperatorNav />
      <p>{t('reconciliationIntro')}</p>
      <div class="actions">
        <Button variant="secondary" busy={report.status === 'loading'} onClick={report.reload}>
          {t('refresh')}
        </Button>
      </div>
      {report.status === 'loading' && latest === undefined ? <Loading label={t('loadingReport')} /> : null}
      {report.status === 'failed' ? <ErrorMessage error={report.error} onRetry={report.reload} /> : null}
      {latest === null ? <EmptyState>{t('notReconciled')}</EmptyState> : null}
      {latest ? (
        <>
          <Properties
            items={[
              { term: t('ranAt'), value: formatDateTime(language, latest.ranAt) },
              { term: t('headBlock'), value: formatNumber(language, latest.headBlock) },
              { term: t('licensesChecked'), value: formatNumber(language, latest.licensesChecked) },
              { term: t('driftCount'), value: formatNumber(language, latest.driftCount) },
              { term: t('chainInstance'), value: <code>{latest.chainInstance}</code> },
            ]}
          />
          <DataTable
            stacked
            caption={t('driftCaption')}
            columns={columns}
            rows={latest.drift}
            rowKey={(item) => `${item.kind}:${item.tokenId}:${item.licenseId ?? ''}`}
            empty={<p>{t('noDrift')}</p>}
          />
        </>
      ) : null}
    </section>
  );
}
