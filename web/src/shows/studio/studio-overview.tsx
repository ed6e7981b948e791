/** `/studio`: the organisation's shows with seats sold, revenue and check-ins, each linking on. */
import {
  ButtonLink,
  DataTable,
  ErrorMessage,
  Loading,
  PageTitle,
  StatusBadge,
  type Tone,
} from '../../app/components/index.ts';
import { ShowMore, usePagedList } from '../../app/components/page-kit.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatDateTime, formatNumber } from '../../app/language.ts';
import { messages, type StudioT } from './messages.ts';
import { listStudioShows, type ShowState, type StudioShow } from './studio-api.ts';
import { formatMoney, localeOf } from './studio-form.ts';
import { StudioNav } from './studio-nav.tsx';

const STATE_TONES: Readonly<Record<ShowState | 'on_sale', Tone>> = {
  upcoming: 'info',
  live: 'success',
  on_demand: 'neutral',
  ended: 'neutral',
  cancelled: 'danger',
  on_sale: 'info',
};

export function showState(show: Pick<StudioShow, 'state' | 'status'>): ShowState | 'on_sale' {
  return show.state ?? (show.status === 'cancelled' ? 'cancelled' : 'on_sale');
}

export function StateBadge({
  show,
  t,
}: {
  readonly show: Pick<StudioShow, 'state' | 'status'>;
  readonly t: StudioT;
}) {
  const state = showState(show);
  return <StatusBadge tone={STATE_TONES[state]}>{t(`state.${state}`)}</StatusBadge>;
}

export default function StudioOverview() {
  const t = useT(messages);
  const { language } = useLanguage();
  const locale = localeOf(language);
  const list = usePagedList(listStudioShows, 'studio-shows');
  const count = (value: number | undefined) => (value === undefined ? '—' : formatNumber(language, value));

  return (
    <section>
      <StudioNav />
      <PageTitle title={t('overviewTitle')}>{t('overviewTitle')}</PageTitle>
      <p>{t('overviewIntro')}</p>
      <div class="actions">
        <ButtonLink href="/studio/shows/new" variant="primary">
          {t('createShowAction')}
        </ButtonLink>
        <ButtonLink href="/studio/videos/new">{t('navUpload')}</ButtonLink>
        <ButtonLink href="/studio/live">{t('navLive')}</ButtonLink>
      </div>
      {list.status === 'loading' && list.items.length === 0 ? <Loading /> : null}
      {list.error ? <ErrorMessage error={list.error} onRetry={list.reload} /> : null}
      {list.status === 'ready' || list.items.length > 0 ? (
        <DataTable<StudioShow>
          caption={t('showsCaption')}
          stacked
          rows={list.items}
          rowKey={(show) => show.id}
          empty={
            list.status === 'ready' ? (
              <>
                <p>
                  <strong>{t('showsEmptyTitle')}</strong>
                </p>
                <p>{t('showsEmptyBody')}</p>
              </>
            ) : null
          }
          columns={[
            {
              header: t('columnShow'),
              cell: (show) => <a href={`/studio/shows/${show.id}`}>{show.title}</a>,
            },
            { header: t('columnStarts'), cell: (show) => formatDateTime(language, show.startsAt) },
            { header: t('columnState'), cell: (show) => <StateBadge show={show} t={t} /> },
            {
              header: t('columnSold'),
              numeric: true,
              cell: (show) => (
                <>
                  {t('soldOf', {
                    sold: count(show.seatsSold),
                    capacity: formatNumber(language, show.capacity),
                  })}
                  {show.seatsHeld ? (
                    <span class="studio-notes">
                      {t('heldNote', { held: formatNumber(language, show.seatsHeld) })}
                    </span>
                  ) : null}
                </>
              ),
            },
            {
              header: t('columnRevenue'),
              numeric: true,
              cell: (show) => (
                <>
                  {show.revenue ? formatMoney(locale, show.revenue.amount, show.revenue.currency) : '—'}
                  {show.refunded && show.refunded.amount > 0 ? (
                    <span class="studio-notes">
                      {t('refundedNote', {
                        amount: formatMoney(locale, show.refunded.amount, show.refunded.currency),
                      })}
                    </span>
                  ) : null}
                </>
              ),
            },
            { header: t('columnCheckedIn'), numeric: true, cell: (show) => count(show.checkedIn) },
            {
              header: t('columnActions'),
              cell: (show) => (
                <span class="row-actions">
                  <a href={`/studio/shows/${show.id}`} aria-label={t('editShowOf', { title: show.title })}>
                    {t('edit')}
                  </a>
                  <a
                    href={`/studio/shows/${show.id}/audience`}
                    aria-label={t('audienceOf', { title: show.title })}
                  >
                    {t('audience')}
                  </a>
                  {show.videoId === null || show.liveStreamId ? (
                    <a
                      href={`/studio/live?show=${show.id}`}
                      aria-label={t('goLiveOf', { title: show.title })}
                    >
                      {t('navLive')}
                    </a>
                  ) : null}
                  <a href={`/door/${show.id}`} aria-label={t('doorOf', { title: show.title })}>
                    {t('door')}
                  </a>
                </span>
              ),
            },
          ]}
        />
      ) : null}
      <ShowMore list={list} label={t('loadMoreShows')} />
    </section>
  );
}
