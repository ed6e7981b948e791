/** Uploads refused because another organisation registered the same file first: both sides, newest first. */
import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../../app/api.ts';
import {
  Button,
  type Column,
  DataTable,
  ErrorMessage,
  Loading,
  PageTitle,
  TextField,
} from '../../app/components/index.ts';
import { ShowMore, usePagedList } from '../../app/components/page-kit.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatDateTime } from '../../app/language.ts';
import { type Page, shortId } from '../../app/license-view.ts';
import { messages } from './messages.ts';
import { OperatorNav } from './operator-nav.tsx';
import { type ProvenanceConflictView, provenancePath } from './platform.ts';

const ORG_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export default function Provenance() {
  const t = useT(messages);
  const { language } = useLanguage();
  const [draft, setDraft] = useState('');
  const [orgId, setOrgId] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const conflicts = usePagedList<ProvenanceConflictView>(
    (cursor, signal) => api.get<Page<ProvenanceConflictView>>(provenancePath(orgId, cursor), { signal }),
    orgId,
  );

  function apply(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const wanted = draft.trim().toUpperCase();
    if (wanted !== '' && !ORG_ID.test(wanted)) {
      setError(t('errorOrgId'));
      return;
    }
    setError(undefined);
    setOrgId(wanted);
  }

  const columns: Column<ProvenanceConflictView>[] = [
    {
      header: t('fingerprint'),
      cell: (conflict) => (
        <code class="mono" title={conflict.fingerprint.value}>
          {shortId(conflict.fingerprint.value, 16)}
        </code>
      ),
    },
    {
      header: t('holder'),
      cell: (conflict) => (
        <>
          <span class="mono">{t('design', { id: conflict.holder.designId })}</span>
          <br />
          <span class="mono">
            {conflict.holder.orgId
              ? t('organisation', { id: conflict.holder.orgId })
              : conflict.holder.creator
                ? t('creator', { address: conflict.holder.creator })
                : t('unknownOrg')}
          </span>
        </>
      ),
    },
    {
      header: t('later'),
      cell: (conflict) => (
        <>
          <span class="mono">{t('design', { id: conflict.later.designId })}</span>
          <br />
          <span class="mono">{t('organisation', { id: conflict.later.orgId })}</span>
        </>
      ),
    },
    { header: t('detectedBy'), cell: (conflict) => t(`detected.${conflict.detectedBy}`) },
    { header: t('detectedAt'), cell: (conflict) => formatDateTime(language, conflict.detectedAt) },
  ];

  return (
    <section>
      <PageTitle title={t('provenanceTitle')}>{t('provenanceTitle')}</PageTitle>
      <OperatorNav />
      <p>{t('provenanceIntro')}</p>
      <form onSubmit={apply} noValidate>
        <TextField
          label={t('filterOrg')}
          hint={t('filterOrgHint')}
          value={draft}
          autocomplete="off"
          spellcheck={false}
          onInput={(event) => setDraft(event.currentTarget.value)}
          error={error}
        />
        <div class="actions">
          <Button type="submit" variant="secondary">
            {t('applyFilter')}
          </Button>
          {orgId !== '' ? (
            <Button
              variant="link"
              onClick={() => {
                setDraft('');
                setOrgId('');
              }}
            >
              {t('clearFilter')}
            </Button>
          ) : null}
        </div>
      </form>
      {conflicts.status === 'loading' ? <Loading label={t('loadingConflicts')} /> : null}
      {conflicts.error ? <ErrorMessage error={conflicts.error} onRetry={conflicts.reload} /> : null}
      {conflicts.status === 'ready' ? (
        <>
          <DataTable
            stacked
            caption={t('provenanceCaption')}
            columns={columns}
            rows={conflicts.items}
            rowKey={(conflict) => conflict.id}
            empty={<p>{t('provenanceEmpty')}</p>}
          />
          <ShowMore list={conflicts} label={t('showMore')} />
        </>
      ) : null}
    </section>
  );
}
