/** The organisation's designs with their status, newest first; older pages on request. */
import { useState } from 'preact/hooks';
import {
  Button,
  ButtonLink,
  DataTable,
  ErrorMessage,
  Loading,
  PageTitle,
  StatusBadge,
} from '../../app/components/index.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatDateTime } from '../../app/language.ts';
import { useResource } from '../../app/resource.ts';
import { hasAnyScope, useSession } from '../../app/session.tsx';
import { statusKey, statusTone } from './design-status.ts';
import { type Design, listDesigns } from './designs-api.ts';
import { messages } from './messages.ts';

export default function DesignsList() {
  const t = useT(messages);
  const { language } = useLanguage();
  const session = useSession();
  const mayUpload = hasAnyScope(session, ['designs:write']);
  const first = useResource((signal) => listDesigns(null, signal), []);
  const [older, setOlder] = useState<{ items: Design[]; nextCursor: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);

  const items = [...(first.data?.items ?? []), ...(older?.items ?? [])];
  const nextCursor = older ? older.nextCursor : (first.data?.nextCursor ?? null);

  const loadMore = async () => {
    if (!nextCursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await listDesigns(nextCursor);
      setOlder((previous) => ({
        items: [...(previous?.items ?? []), ...page.items],
        nextCursor: page.nextCursor,
      }));
    } catch (error) {
      setMoreError(error);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <section>
      <PageTitle title={t('listTitle')}>{t('listTitle')}</PageTitle>
      {mayUpload ? (
        <div class="actions">
          <ButtonLink href="/designs/new" variant="primary">
            {t('uploadAction')}
          </ButtonLink>
        </div>
      ) : null}
      {first.status === 'loading' && !first.data ? <Loading /> : null}
      {first.status === 'failed' ? <ErrorMessage error={first.error} onRetry={first.reload} /> : null}
      {first.data ? (
        <DataTable
          caption={t('listCaption')}
          rows={items}
          rowKey={(design) => design.id}
          empty={
            <>
              <p>
                <strong>{t('emptyTitle')}</strong>
              </p>
              <p>{t('emptyBody')}</p>
              {mayUpload ? (
                <ButtonLink href="/designs/new" variant="primary">
                  {t('uploadAction')}
                </ButtonLink>
              ) : null}
            </>
          }
          columns={[
            {
              header: t('columnName'),
              cell: (design) => <a href={`/designs/${design.id}`}>{design.name}</a>,
            },
            { header: t('columnFormat'), cell: (design) => design.format.toUpperCase() },
            {
              header: t('columnStatus'),
              cell: (design) => (
                <StatusBadge tone={statusTone(design.status)}>{t(statusKey(design.status))}</StatusBadge>
              ),
            },
            { header: t('columnCreated'), cell: (design) => formatDateTime(language, design.createdAt) },
          ]}
        />
      ) : null}
      {moreError ? <ErrorMessage error={moreError} /> : null}
      {nextCursor ? (
        <Button variant="secondary" busy={loadingMore} onClick={() => void loadMore()}>
          {t('loadMore')}
        </Button>
      ) : null}
    </section>
  );
}
