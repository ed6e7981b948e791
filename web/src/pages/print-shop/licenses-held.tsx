/** The licenses the print shop holds: status, prints used/left, expiry, approved printers; each links to its print jobs. */
import { api } from '../../app/api.ts';
import {
  type Column,
  DataTable,
  ErrorMessage,
  Loading,
  PageTitle,
  StatusBadge,
} from '../../app/components/index.ts';
import { NameOrId, ShowMore, UsageMeter, usePagedList } from '../../app/components/page-kit.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatDateTime } from '../../app/language.ts';
import {
  formatPrintsUsage,
  type LicenseView,
  licenseState,
  licenseStateTone,
  type Page,
  printsUsedPercent,
} from '../../app/license-view.ts';
import { messages } from './messages.ts';
import { ShopNav } from './shop-nav.tsx';

export default function LicensesHeld() {
  const t = useT(messages);
  const { language } = useLanguage();
  const licenses = usePagedList<LicenseView>(
    (cursor, signal) =>
      api.get<Page<LicenseView>>(`/licenses?as=holder&limit=20${cursor ? `&cursor=${cursor}` : ''}`, {
        signal,
      }),
    'held',
  );
  const now = new Date();
  const columns: Column<LicenseView>[] = [
    // The whole id: a print shop configures its printers with it, and people search for it.
    { header: t('license'), cell: (license) => <code class="mono">{license.id}</code> },
    {
      header: t('design'),
      cell: (license) => <NameOrId name={license.designName} id={license.designId} />,
    },
    {
      header: t('issuer'),
      cell: (license) => <NameOrId name={license.issuerName} id={license.issuerOrgId} />,
    },
    {
      header: t('status'),
      cell: (license) => {
        const state = licenseState(license, now);
        return <StatusBadge tone={licenseStateTone(state)}>{t(`state.${state}`)}</StatusBadge>;
      },
    },
    {
      header: t('prints'),
      cell: (license) => (
        <UsageMeter
          percent={printsUsedPercent(license.prints)}
          label={formatPrintsUsage(language, license.prints)}
        />
      ),
    },
    { header: t('expires'), cell: (license) => formatDateTime(language, license.terms.expiresAt) },
    {
      header: t('approvedPrinters'),
      cell: (license) =>
        license.terms.printerIds.length === 0
          ? t('anyPrinter')
          : t('approvedCount', { count: license.terms.printerIds.length }),
    },
    {
      header: t('actions'),
      cell: (license) => (
        <a
          href={`/print-shop/jobs?license=${encodeURIComponent(license.id)}`}
          aria-label={t('jobsOfLicense', { id: license.id })}
        >
          {t('jobsOf')}
        </a>
      ),
    },
  ];
  return (
    <section>
      <PageTitle title={t('licensesTitle')}>{t('licensesTitle')}</PageTitle>
      <ShopNav />
      {licenses.status === 'loading' ? <Loading label={t('loadingLicenses')} /> : null}
      {licenses.error ? <ErrorMessage error={licenses.error} onRetry={licenses.reload} /> : null}
      {licenses.status === 'ready' ? (
        <>
          <DataTable
            stacked
            caption={t('licensesCaption')}
            columns={columns}
            rows={licenses.items}
            rowKey={(license) => license.id}
            empty={<p>{t('licensesEmpty')}</p>}
          />
          <ShowMore list={licenses} label={t('showMore')} />
        </>
      ) : null}
    </section>
  );
}
