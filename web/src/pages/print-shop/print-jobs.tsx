/** The print shop's print jobs: serial, the license each drew on, printer, outcome, times; filtered by license. */
import { useLocation } from 'preact-iso';
import { api } from '../../app/api.ts';
import {
  type Column,
  DataTable,
  ErrorMessage,
  Loading,
  PageTitle,
  SelectField,
  StatusBadge,
} from '../../app/components/index.ts';
import { ShowMore, usePagedList, useQueryValue } from '../../app/components/page-kit.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatDateTime } from '../../app/language.ts';
import { type LicenseView, type Page, shortId } from '../../app/license-view.ts';
import { useResource } from '../../app/resource.ts';
import { messages } from './messages.ts';
import {
  jobOutcome,
  jobOutcomeTone,
  type PrinterView,
  type PrintJobView,
  printJobsPath,
} from './shop-api.ts';
import { ShopNav } from './shop-nav.tsx';

export default function PrintJobs() {
  const t = useT(messages);
  const { language } = useLanguage();
  const { route } = useLocation();
  const licenseId = useQueryValue('license');
  const jobs = usePagedList<PrintJobView>(
    (cursor, signal) => api.get<Page<PrintJobView>>(printJobsPath(licenseId, cursor), { signal }),
    licenseId,
  );
  // Names for the printer column and the license filter; the list works without them.
  const printers = useResource((signal) => api.get<Page<PrinterView>>('/printers?limit=100', { signal }), []);
  const licenses = useResource(
    (signal) => api.get<Page<LicenseView>>('/licenses?as=holder&limit=100', { signal }),
    [],
  );
  const printerName = new Map((printers.data?.items ?? []).map((printer) => [printer.id, printer.name]));
  const licenseOptions = [
    { value: '', label: t('allLicenses') },
    ...(licenses.data?.items ?? []).map((license) => ({ value: license.id, label: license.id })),
  ];
  if (licenseId !== '' && !licenseOptions.some((option) => option.value === licenseId)) {
    licenseOptions.push({ value: licenseId, label: licenseId });
  }

  const columns: Column<PrintJobView>[] = [
    { header: t('serial'), cell: (job) => <code class="mono">{job.serial}</code> },
    {
      header: t('license'),
      cell: (job) => (
        <code class="mono" title={job.licenseId}>
          {shortId(job.licenseId)}
        </code>
      ),
    },
    { header: t('printer'), cell: (job) => printerName.get(job.printerId) ?? shortId(job.printerId) },
    {
      header: t('outcome'),
      cell: (job) => {
        const outcome = jobOutcome(job);
        return (
          <>
            <StatusBadge tone={jobOutcomeTone(outcome)}>{t(`job.${outcome}`)}</StatusBadge>
            {job.failureReason ? <p class="field-hint">{job.failureReason}</p> : null}
          </>
        );
      },
    },
    { header: t('granted'), cell: (job) => formatDateTime(language, job.grantedAt) },
    { header: t('completed'), cell: (job) => formatDateTime(language, job.completedAt) },
    { header: t('onChain'), cell: (job) => (job.settled ? t('settledYes') : t('settledNo')) },
  ];

  return (
    <section>
      <PageTitle title={t('jobsTitle')}>{t('jobsTitle')}</PageTitle>
      <ShopNav />
      <div class="filter">
        <SelectField
          label={t('filterLicense')}
          options={licenseOptions}
          value={licenseId}
          onChange={(event) => {
            const chosen = event.currentTarget.value;
            route(
              chosen === '' ? '/print-shop/jobs' : `/print-shop/jobs?license=${encodeURIComponent(chosen)}`,
            );
          }}
        />
      </div>
      {jobs.status === 'loading' ? <Loading label={t('loadingJobs')} /> : null}
      {jobs.error ? <ErrorMessage error={jobs.error} onRetry={jobs.reload} /> : null}
      {jobs.status === 'ready' ? (
        <>
          <DataTable
            stacked
            caption={t('jobsCaption')}
            columns={columns}
            rows={jobs.items}
            rowKey={(job) => job.id}
            empty={<p>{licenseId === '' ? t('jobsEmpty') : t('jobsEmptyForLicense')}</p>}
          />
          <ShowMore list={jobs} label={t('showMore')} />
        </>
      ) : null}
    </section>
  );
}
