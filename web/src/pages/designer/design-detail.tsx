/**
 * One design: its status followed live until registered or rejected (the reason in words), the
 * thumbnail, fingerprint, model metrics, the chain proof, warnings, and its licensors.
 */
import { useState } from 'preact/hooks';
import {
  Button,
  ButtonLink,
  ConfirmButton,
  DataTable,
  ErrorMessage,
  Loading,
  Notice,
  PageTitle,
  ProgressBar,
  Properties,
  StatusBadge,
  TextField,
  useToast,
} from '../../app/components/index.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatBytes, formatDateTime, formatNumber, type Language } from '../../app/language.ts';
import { usePolling, useResource } from '../../app/resource.ts';
import { hasAnyScope, useSession } from '../../app/session.tsx';
import { isFinished, isOrgId, rejectionKey, statusKey, statusTone } from './design-status.ts';
import { type Design, getDesign, listLicensors, nameLicensor, removeLicensor } from './designs-api.ts';
import { messages } from './messages.ts';

/** Often enough to feel live, rarely enough not to load the API: a check takes a few seconds. */
const POLL_MS = 1500;

type T = ReturnType<typeof useT<keyof (typeof messages)['en']>>;

function number(language: Language, value: number, digits = 2): string {
  return formatNumber(language, value, { maximumFractionDigits: digits });
}

function StatusSection({ design, t }: { readonly design: Design; readonly t: T }) {
  const { language } = useLanguage();
  return (
    <section aria-labelledby="design-status">
      <h2 id="design-status">{t('statusHeading')}</h2>
      {/* polite: each change of state is read out once, without interrupting */}
      <div role="status" aria-live="polite">
        <p>
          <StatusBadge tone={statusTone(design.status)}>{t(statusKey(design.status))}</StatusBadge>
        </p>
        {design.status === 'registered' && design.finishedAt ? (
          <p>{t('registeredAt', { time: formatDateTime(language, design.finishedAt) })}</p>
        ) : null}
      </div>
      {!isFinished(design.status) ? (
        <ProgressBar
          label={design.status === 'awaiting_upload' ? t('progressWaiting') : t('progressChecking')}
          value={null}
        />
      ) : null}
      {design.status === 'rejected' && design.rejection ? (
        <div class="alert alert-error">
          <h3>{t('rejectedHeading')}</h3>
          <p>{t(rejectionKey(design.rejection.code))}</p>
          <p>{t('rejectionDetail', { reason: design.rejection.reason })}</p>
          <ButtonLink href="/designs/new">{t('uploadAgain')}</ButtonLink>
        </div>
      ) : null}
    </section>
  );
}

function ProofSection({ design, t }: { readonly design: Design; readonly t: T }) {
  const proof = design.chainProof;
  return (
    <section aria-labelledby="design-proof">
      <h2 id="design-proof">{t('proofHeading')}</h2>
      {proof ? (
        <Properties
          items={[
            { term: t('transaction'), value: <code>{proof.transactionHash}</code> },
            {
              term: t('block'),
              value: proof.blockNumber === null ? t('blockPending') : String(proof.blockNumber),
            },
            { term: t('confirmed'), value: proof.confirmed ? t('confirmedYes') : t('confirmedNo') },
            { term: t('chainId'), value: String(proof.chainId) },
            { term: t('registry'), value: <code>{proof.registry}</code> },
          ]}
        />
      ) : (
        <p>{t('proofPending')}</p>
      )}
    </section>
  );
}

function MetricsSection({ design, t }: { readonly design: Design; readonly t: T }) {
  const { language } = useLanguage();
  const metrics = design.metrics;
  if (!metrics) return null;
  const box = metrics.boundingBox.min.map((min, axis) =>
    number(language, (metrics.boundingBox.max[axis] ?? min) - min),
  );
  // Binary STL says nothing about units; then the numbers are shown without one.
  const unitless = metrics.units === 'unspecified' || metrics.units === '';
  const unit = (power: '' | '²' | '³') => (unitless ? '' : ` ${metrics.units}${power}`);
  return (
    <section aria-labelledby="design-metrics">
      <h2 id="design-metrics">{t('metricsHeading')}</h2>
      <Properties
        items={[
          { term: t('variant'), value: `${metrics.format.toUpperCase()} ${metrics.variant}` },
          { term: t('triangles'), value: formatNumber(language, metrics.triangleCount) },
          ...(metrics.vertexCount === null
            ? []
            : [{ term: t('vertices'), value: formatNumber(language, metrics.vertexCount) }]),
          { term: t('units'), value: unitless ? t('unitsUnstated') : metrics.units },
          { term: t('boundingBox'), value: `${box.join(' × ')}${unit('')}` },
          { term: t('volume'), value: `${number(language, metrics.volume)}${unit('³')}` },
          { term: t('surfaceArea'), value: `${number(language, metrics.surfaceArea)}${unit('²')}` },
        ]}
      />
    </section>
  );
}

function WarningsSection({ design, t }: { readonly design: Design; readonly t: T }) {
  if (design.status !== 'registered') return null;
  return (
    <section aria-labelledby="design-warnings">
      <h2 id="design-warnings">{t('warningsHeading')}</h2>
      {design.warnings.length === 0 ? (
        <p>{t('noWarnings')}</p>
      ) : (
        <Notice tone="warning">
          <p>{t('warningsIntro')}</p>
          <ul>
            {design.warnings.map((warning) => (
              <li key={warning.code}>{warning.message}</li>
            ))}
          </ul>
        </Notice>
      )}
    </section>
  );
}

function LicensorsSection({ design, t }: { readonly design: Design; readonly t: T }) {
  const { language } = useLanguage();
  const session = useSession();
  const toast = useToast();
  const mayChange = hasAnyScope(session, ['designs:write']);
  const licensors = useResource((signal) => listLicensors(design.id, signal), [design.id]);
  const [orgId, setOrgId] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(null);
  const [adding, setAdding] = useState(false);

  const add = async (event: Event) => {
    event.preventDefault();
    const candidate = orgId.trim().toUpperCase();
    if (!isOrgId(candidate)) {
      setFieldError(t('addLicensorInvalid'));
      return;
    }
    setFieldError(undefined);
    setFailure(null);
    setAdding(true);
    try {
      await nameLicensor(design.id, candidate);
      setOrgId('');
      toast(t('licensorAdded'), 'success');
      licensors.reload();
    } catch (error) {
      setFailure(error);
    } finally {
      setAdding(false);
    }
  };

  return (
    <section aria-labelledby="design-licensors">
      <h2 id="design-licensors">{t('licensorsHeading')}</h2>
      <p>{t('licensorsIntro')}</p>
      {licensors.status === 'failed' ? (
        <ErrorMessage error={licensors.error} onRetry={licensors.reload} />
      ) : null}
      {licensors.data ? (
        <DataTable
          caption={t('licensorsCaption', { name: design.name })}
          rows={licensors.data.items}
          rowKey={(licensor) => licensor.orgId}
          empty={<p>{t('licensorsEmpty')}</p>}
          columns={[
            { header: t('licensorName'), cell: (licensor) => licensor.name },
            { header: t('licensorKind'), cell: (licensor) => licensor.kind },
            { header: t('licensorSince'), cell: (licensor) => formatDateTime(language, licensor.grantedAt) },
            ...(mayChange
              ? [
                  {
                    header: t('licensorActions'),
                    cell: (licensor: { orgId: string; name: string }) => (
                      <ConfirmButton
                        label={t('removeLicensor', { name: licensor.name })}
                        question={t('removeLicensorQuestion', { name: licensor.name, design: design.name })}
                        confirmLabel={t('removeLicensorConfirm')}
                        onConfirm={async () => {
                          try {
                            await removeLicensor(design.id, licensor.orgId);
                            toast(t('licensorRemoved', { name: licensor.name }), 'success');
                            licensors.reload();
                          } catch (error) {
                            setFailure(error);
                          }
                        }}
                      />
                    ),
                  },
                ]
              : []),
          ]}
        />
      ) : licensors.status === 'loading' ? (
        <Loading />
      ) : null}
      {mayChange ? (
        <form onSubmit={add} noValidate>
          <TextField
            label={t('addLicensorLabel')}
            hint={t('addLicensorHint')}
            error={fieldError}
            value={orgId}
            autoComplete="off"
            spellcheck={false}
            onInput={(event) => setOrgId(event.currentTarget.value)}
          />
          {failure ? <ErrorMessage error={failure} /> : null}
          <Button type="submit" busy={adding}>
            {t('addLicensor')}
          </Button>
        </form>
      ) : null}
    </section>
  );
}

export default function DesignDetail({ id }: { readonly id: string }) {
  const t = useT(messages);
  const { language } = useLanguage();
  const { data: design, error } = usePolling(
    (signal) => getDesign(id, signal),
    (current) => isFinished(current.status),
    POLL_MS,
    [id],
  );

  if (!design) {
    return (
      <section>
        <PageTitle title={t('detailLoading')}>{t('detailLoading')}</PageTitle>
        {error ? <ErrorMessage error={error} /> : <Loading />}
      </section>
    );
  }

  return (
    <section>
      <p>
        <a href="/designs">← {t('backToList')}</a>
      </p>
      <PageTitle title={t('detailTitle', { name: design.name })}>
        {t('detailTitle', { name: design.name })}
      </PageTitle>
      {error ? <ErrorMessage error={error} /> : null}
      <div class="two-columns">
        <div>
          {design.thumbnailUrl ? (
            <img
              class="thumbnail"
              src={design.thumbnailUrl}
              alt={t('thumbnailAlt', { name: design.name })}
              width={320}
              height={320}
            />
          ) : (
            <p class="empty-state">{t('noThumbnail')}</p>
          )}
        </div>
        <div>
          <StatusSection design={design} t={t} />
          <h2>{t('propertiesHeading')}</h2>
          <Properties
            items={[
              { term: t('format'), value: design.format.toUpperCase() },
              { term: t('size'), value: formatBytes(language, design.sizeBytes ?? design.declaredBytes) },
              { term: t('created'), value: formatDateTime(language, design.createdAt) },
              { term: t('uploaded'), value: formatDateTime(language, design.uploadedAt) },
              { term: t('finished'), value: formatDateTime(language, design.finishedAt) },
              ...(design.fingerprint
                ? [
                    {
                      term: t('fingerprint', { algorithm: design.fingerprint.algorithm }),
                      value: <code>{design.fingerprint.value}</code>,
                    },
                  ]
                : []),
            ]}
          />
        </div>
      </div>
      <WarningsSection design={design} t={t} />
      <MetricsSection design={design} t={t} />
      <ProofSection design={design} t={t} />
      {design.status === 'registered' ? (
        <LicensorsSection design={design} t={t} />
      ) : (
        <section aria-labelledby="design-licensors">
          <h2 id="design-licensors">{t('licensorsHeading')}</h2>
          <p>{t('licensorsNotRegistered')}</p>
        </section>
      )}
    </section>
  );
}
