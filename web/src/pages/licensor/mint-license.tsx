/**
 * Mint a license. One Idempotency-Key per submission (kept for a retry of the same request after
 * an unknown outcome), the submit button disabled while the call is in flight and a guard against
 * a second submit in the same instant: a double click mints once. A 202 (still being written to
 * the ledger) is followed by polling the license until it settles.
 */
import type { TargetedEvent, TargetedSubmitEvent } from 'preact';
import { useMemo, useRef, useState } from 'preact/hooks';
import { api, newIdempotencyKey } from '../../app/api.ts';
import {
  Button,
  ButtonLink,
  ErrorMessage,
  Loading,
  Notice,
  PageTitle,
  ProgressBar,
  Properties,
  SelectField,
  StatusBadge,
  TextAreaField,
  TextField,
} from '../../app/components/index.ts';
import { useQueryValue } from '../../app/components/page-kit.tsx';
import { useFormSubmission } from '../../app/form-submission.ts';
import { useT } from '../../app/i18n.tsx';
import { isMintSettled, type LicenseView, licenseState, licenseStateTone } from '../../app/license-view.ts';
import { usePolling, useResource } from '../../app/resource.ts';
import { useSession } from '../../app/session.tsx';
import { licensableDesignsPage } from './licensing-api.ts';
import { LicensingNav } from './licensing-nav.tsx';
import { messages } from './messages.ts';
import { checkMintForm, keyForSubmission, type MintAttempt, type MintFormValues } from './mint-form.ts';

type FieldName = keyof MintFormValues;

function aYearFromToday(): string {
  const date = new Date();
  date.setUTCFullYear(date.getUTCFullYear() + 1);
  return date.toISOString().slice(0, 10);
}

function MintResult({ license, onAgain }: { readonly license: LicenseView; readonly onAgain: () => void }) {
  const t = useT(messages);
  const polled = usePolling(
    (signal) => api.get<LicenseView>(`/licenses/${license.id}`, { signal }),
    isMintSettled,
    2000,
    [license.id],
  );
  const current = polled.data ?? license;
  const state = licenseState(current, new Date());
  const sentence =
    current.status === 'active'
      ? t('resultActive')
      : current.status === 'failed'
        ? t('resultFailed', { reason: current.failureReason ?? '—' })
        : current.status === 'revoked'
          ? t('resultRevoked')
          : current.chain.state === 'waiting_for_chain'
            ? t('resultWaitingChain')
            : t('resultPending');
  return (
    <section class="panel" aria-labelledby="mint-result-heading">
      <h2 id="mint-result-heading" class="break-anywhere">
        {t('resultHeading', { id: current.id })}
      </h2>
      <p role="status">
        <StatusBadge tone={licenseStateTone(state)}>{t(`state.${state}`)}</StatusBadge> {sentence}
      </p>
      {current.status === 'pending' ? <ProgressBar label={t('ledgerProgress')} value={null} /> : null}
      {polled.error ? <ErrorMessage error={polled.error} /> : null}
      <Properties
        items={[
          { term: t('license'), value: <code>{current.id}</code> },
          { term: t('holder'), value: <code>{current.holderOrgId}</code> },
          { term: t('prints'), value: String(current.terms.prints) },
          {
            term: t('transaction'),
            value: current.chain.transactionHash ? <code>{current.chain.transactionHash}</code> : '—',
          },
          {
            term: t('block'),
            value: current.chain.blockNumber === null ? '—' : String(current.chain.blockNumber),
          },
        ]}
      />
      <div class="actions">
        <Button variant="secondary" onClick={onAgain}>
          {t('mintAnother')}
        </Button>
        <ButtonLink href="/licensor">{t('backToLicenses')}</ButtonLink>
      </div>
    </section>
  );
}

export default function MintLicense() {
  const t = useT(messages);
  const session = useSession();
  const ownOrgId = session.organisation?.id ?? '';
  const preselected = useQueryValue('design');
  const designs = useResource((signal) => licensableDesignsPage(null, signal, 100), []);
  const [values, setValues] = useState<MintFormValues>({
    designId: preselected,
    holderOrgId: ownOrgId,
    prints: '10',
    expiresOn: aYearFromToday(),
    failureAllowance: '0',
    printerIds: '',
  });
  const { busy, failure, errors, setErrors, send, sending } = useFormSubmission();
  const [minted, setMinted] = useState<LicenseView | null>(null);
  const lastAttempt = useRef<MintAttempt | null>(null);

  const designOptions = useMemo(
    () => [
      { value: '', label: t('chooseDesign') },
      ...(designs.data?.items ?? []).map((design) => ({
        value: design.id,
        label: design.own ? design.name : `${design.name} (${design.owner.name})`,
      })),
    ],
    [designs.data, t],
  );

  const set =
    (field: FieldName) =>
    (event: TargetedEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => {
      const value = event.currentTarget.value;
      setValues((previous) => ({ ...previous, [field]: value }));
    };

  async function submit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    // A second submit before the first re-render (a fast double click) must not send again.
    if (sending()) return;
    const check = checkMintForm(values, new Date());
    if (!check.ok) {
      setErrors(Object.fromEntries(Object.entries(check.errors).map(([field, key]) => [field, t(key)])));
      return;
    }
    setErrors({});
    const attempt = keyForSubmission(lastAttempt.current, check.request, newIdempotencyKey);
    lastAttempt.current = attempt;
    await send(async () => {
      const license = await api.post<LicenseView>('/licenses', check.request, {
        idempotencyKey: attempt.key,
      });
      lastAttempt.current = null;
      setMinted(license);
    });
  }

  if (minted) {
    return (
      <section>
        <PageTitle title={t('mintTitle')}>{t('mintTitle')}</PageTitle>
        <LicensingNav />
        <MintResult
          license={minted}
          onAgain={() => {
            setMinted(null);
            setValues((previous) => ({ ...previous, printerIds: '' }));
          }}
        />
      </section>
    );
  }

  const noDesigns = designs.status === 'ready' && designs.data.items.length === 0;
  return (
    <section>
      <PageTitle title={t('mintTitle')}>{t('mintTitle')}</PageTitle>
      <LicensingNav />
      <p>{t('mintIntro')}</p>
      {designs.status === 'loading' ? <Loading label={t('loadingDesigns')} /> : null}
      {designs.status === 'failed' ? <ErrorMessage error={designs.error} onRetry={designs.reload} /> : null}
      {noDesigns ? <Notice tone="info">{t('noDesignsToMint')}</Notice> : null}
      {designs.status === 'ready' && !noDesigns ? (
        <form onSubmit={submit} noValidate aria-busy={busy ? 'true' : undefined}>
          <SelectField
            label={t('fieldDesign')}
            options={designOptions}
            value={values.designId}
            onChange={set('designId')}
            error={errors.designId}
            required
          />
          <TextField
            label={t('fieldHolder')}
            hint={t('holderHint', { orgId: ownOrgId || '—' })}
            value={values.holderOrgId}
            onInput={set('holderOrgId')}
            error={errors.holderOrgId}
            autocomplete="off"
            spellcheck={false}
            required
          />
          <div class="form-row">
            <TextField
              label={t('fieldPrints')}
              type="number"
              inputMode="numeric"
              min={1}
              step={1}
              value={values.prints}
              onInput={set('prints')}
              error={errors.prints}
              required
            />
            <TextField
              label={t('fieldExpiresOn')}
              type="date"
              value={values.expiresOn}
              onInput={set('expiresOn')}
              error={errors.expiresOn ?? errors.expiresAt}
              required
            />
          </div>
          <TextField
            label={t('fieldAllowance')}
            hint={t('allowanceHint')}
            type="number"
            inputMode="numeric"
            min={0}
            step={1}
            value={values.failureAllowance}
            onInput={set('failureAllowance')}
            error={errors.failureAllowance}
          />
          <TextAreaField
            label={t('fieldPrinters')}
            hint={t('printersHint')}
            value={values.printerIds}
            onInput={set('printerIds')}
            error={errors.printerIds}
            rows={3}
            spellcheck={false}
          />
          {failure ? <ErrorMessage error={failure} /> : null}
          <div class="actions">
            <Button type="submit" busy={busy}>
              {t('submitMint')}
            </Button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
