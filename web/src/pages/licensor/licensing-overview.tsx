/** The licensor's home: the designs it may license (each with "Mint a license") and the licenses it issued. */

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
import { type LicensableDesign, licensableDesignsPage, mintHref } from './licensing-api.ts';
import { LicensingNav } from './licensing-nav.tsx';
import { messages } from './messages.ts';

export default function LicensingOverview() {
  const t = useT(messages);
  const { language } = useLanguage();
  const designs = usePagedList<LicensableDesign>(licensableDesignsPage, 'designs');
  const licenses = usePagedList<LicenseView>(
    (cursor, signal) =>
      api.get<Page<LicenseView>>(`/licenses?as=issuer&limit=20${cursor ? `&cursor=${cursor}` : ''}`, {
        signal,
      }),
    'licenses',
  );
  const designName = new Map(designs.items.map((design) => [design.id, design.name]));
  const now = new Date();

  const designColumns: Column<LicensableDesign>[] = [
    { header: t('designName'), cell: (design) => design.name },
    {
      header: t('owner'),
      cell: (design) => (design.own ? t('ownOrganisation') : design.owner.name),
    },
    { header: t('format'), cell: (design) => design.format.toUpperCase() },
    { header: t('registered'), cell: (design) => formatDateTime(language, design.registeredAt) },
    {
      header: t('actions'),
      cell: (design) => (
        // The visible words name the action; the accessible name adds which design (WCAG 2.5.3: it starts the same).
        <a
          class="button button-secondary"
          href={mintHref(design.id)}
          aria-label={t('mintFor', { name: design.name })}
        >
          {t('mintTitle')}
        </a>
      ),
    },
  ];

  const licenseColumns: Column<LicenseView>[] = [
    // The whole id: a print shop configures its printers with it, and people search for it.
    { header: t('license'), cell: (license) => <code class="mono">{license.id}</code> },
    {
      header: t('designName'),
      cell: (license) => (
        <NameOrId name={license.designName ?? designName.get(license.designId)} id={license.designId} />
      ),
    },
    {
      header: t('holder'),
      cell: (license) => <NameOrId name={license.holderName} id={license.holderOrgId} />,
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
  ];

  return (
    <section>
      <PageTitle title={t('title')}>{t('title')}</PageTitle>
      <LicensingNav />

      <h2>{t('designsHeading')}</h2>
      {designs.status === 'loading' ? <Loading label={t('loadingDesigns')} /> : null}
      {designs.error ? <ErrorMessage error={designs.error} onRetry={designs.reload} /> : null}
      {designs.status === 'ready' ? (
        <>
          <DataTable
            stacked
            caption={t('designsCaption')}
            columns={designColumns}
            rows={designs.items}
            rowKey={(design) => design.id}
            empty={<p>{t('designsEmpty')}</p>}
          />
          <ShowMore list={designs} label={t('showMore')} />
        </>
      ) : null}

      <h2>{t('licensesHeading')}</h2>
      {licenses.status === 'loading' ? <Loading label={t('loadingLicenses')} /> : null}
      {licenses.error ? <ErrorMessage error={licenses.error} onRetry={licenses.reload} /> : null}
      {licenses.status === 'ready' ? (
        <>
          <DataTable
            stacked
            caption={t('licensesCaption')}
            columns={licenseColumns}
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
