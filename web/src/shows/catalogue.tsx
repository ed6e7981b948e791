/** `/shows`: the public catalogue, one tab each for upcoming, live now and on demand. */
import { useEffect } from 'preact/hooks';
import { api } from '../app/api.ts';
import { Button } from '../app/components/button.tsx';
import { ErrorMessage, Loading } from '../app/components/feedback.tsx';
import { PageTitle } from '../app/components/page.tsx';
import { useT } from '../app/i18n.tsx';
import { catalogueMessages } from './catalogue-messages.ts';
import { setPageMeta } from './meta.ts';
import { CATALOGUE_TABS, type Page, type Show, showPath, showsPath, tabFrom } from './model.ts';
import { usePaged, useQuery } from './paged-list.ts';
import { Poster, ShowFacts, StateBadge } from './show-view.tsx';

function ShowCard({ show, eager }: { readonly show: Show; readonly eager: boolean }) {
  const t = useT(catalogueMessages);
  return (
    <li class="show-card">
      <Poster show={show} eager={eager} />
      <div class="show-card-body">
        <h2>
          <a href={showPath(show.id)}>{show.title}</a>
        </h2>
        <p class="show-card-meta">
          <StateBadge show={show} />
          {show.creatorName ? <span>{t('by', { creator: show.creatorName })}</span> : null}
        </p>
        <ShowFacts show={show} />
      </div>
    </li>
  );
}

export default function Catalogue() {
  const t = useT(catalogueMessages);
  const tab = tabFrom(useQuery('when'));
  const list = usePaged<Show>(
    (cursor, signal) => api.get<Page<Show>>(showsPath(tab, cursor), { signal }),
    tab,
  );
  useEffect(() => {
    setPageMeta({ title: t('catalogueTitle'), description: t('catalogueIntro') });
  }, [t]);
  return (
    <section>
      <PageTitle title={t('catalogueTitle')}>{t('catalogueTitle')}</PageTitle>
      <p class="lead">{t('catalogueIntro')}</p>
      <nav class="section-nav" aria-label={t('tabs')}>
        <ul>
          {CATALOGUE_TABS.map((name) => (
            <li key={name}>
              <a href={`/shows?when=${name}`} aria-current={name === tab ? 'page' : undefined}>
                {t(`tab.${name}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {list.status === 'loading' ? <Loading /> : null}
      {list.error ? <ErrorMessage error={list.error} onRetry={list.reload} /> : null}
      {list.status === 'ready' && list.items.length === 0 ? (
        <div class="empty-state">
          <p>{t(`empty.${tab}`)}</p>
        </div>
      ) : null}
      {list.items.length > 0 ? (
        <ul class="show-grid">
          {list.items.map((show, index) => (
            // the first row is on screen at once: no lazy loading for it
            <ShowCard key={show.id} show={show} eager={index < 3} />
          ))}
        </ul>
      ) : null}
      {list.hasMore ? (
        <div class="actions">
          <Button variant="secondary" busy={list.loadingMore} onClick={list.loadMore}>
            {t('showMore')}
          </Button>
        </div>
      ) : null}
    </section>
  );
}
