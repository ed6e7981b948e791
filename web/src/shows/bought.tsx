/**
 * `/shows/:id/bought?hold=<holdId>`: where Stripe sends the buyer after paying. The payment is
 * confirmed by Stripe's webhook, which may land a moment later, so the page asks for the hold every
 * 1.5 s until it is paid (or released, refunded) and then shows the tickets, without a reload. Each
 * change is said once in a polite live region that is on the page from the start.
 */
import { ApiError, api } from '../app/api.ts';
import { ErrorMessage, Loading, ProgressBar } from '../app/components/feedback.tsx';
import { PageTitle } from '../app/components/page.tsx';
import { useLanguage, useT } from '../app/i18n.tsx';
import { usePolling, useResource } from '../app/resource.ts';
import { catalogueMessages } from './catalogue-messages.ts';
import { formatPrice } from './format.ts';
import { type Hold, holdPath, type Show, showPath, type Ticket, ticketPath } from './model.ts';
import { useQuery } from './paged-list.ts';
import { showsMessages } from './pages-messages.ts';
import { TicketCard } from './tickets/ticket-card.tsx';

const POLL_MS = 1500;

function PaidTickets({ hold }: { readonly hold: Hold }) {
  const t = useT(showsMessages);
  const tickets = useResource(
    (signal) => Promise.all(hold.ticketIds.map((id) => api.get<Ticket>(ticketPath(id), { signal }))),
    [hold.ticketIds.join(',')],
  );
  if (!tickets.data) {
    return tickets.status === 'failed' ? (
      <ErrorMessage error={tickets.error} onRetry={tickets.reload} />
    ) : (
      <Loading />
    );
  }
  return (
    <section aria-labelledby="bought-tickets">
      <h2 id="bought-tickets">{t('ticketsHeading')}</h2>
      <ul class="ticket-list">
        {tickets.data.map((ticket) => (
          <TicketCard key={ticket.id} ticket={{ ...ticket, code: ticket.code ?? null }} />
        ))}
      </ul>
      <p>
        <a href="/tickets">{t('myTicketsLink')}</a>
      </p>
    </section>
  );
}

function holdSentence(
  hold: Hold | undefined,
  t: ReturnType<typeof useT<keyof (typeof showsMessages)['en']>>,
) {
  if (!hold) return t('holdWaiting');
  switch (hold.status) {
    case 'held':
      return t('holdWaiting');
    case 'paid':
      return hold.quantity === 1 ? t('holdPaidOne') : t('holdPaid');
    case 'refunded':
      return t('holdRefunded');
    case 'released':
      // 'expired' (the hold lapsed) or 'checkout expired' (Stripe closed the session)
      return /expired/.test(hold.releaseReason ?? '') ? t('holdExpired') : t('holdReleased');
  }
}

export default function Bought({ params }: { readonly params?: { readonly id?: string } }) {
  const t = useT(showsMessages);
  const { language } = useLanguage();
  const showId = params?.id ?? '';
  const holdId = useQuery('hold');
  const tc = useT(catalogueMessages);
  const show = useResource((signal) => api.get<Show>(showPath(showId), { signal }), [showId]);
  const polled = usePolling<Hold | 'missing'>(
    async (signal) => {
      if (!holdId) return 'missing';
      try {
        return await api.get<Hold>(holdPath(holdId), { signal });
      } catch (error) {
        // not this person's purchase, or no such one: asking again will not change that
        if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return 'missing';
        throw error;
      }
    },
    // paid with its tickets listed, or settled otherwise: nothing more will change here
    (hold) =>
      hold === 'missing' || (hold.status !== 'held' && (hold.status !== 'paid' || hold.ticketIds.length > 0)),
    POLL_MS,
    [holdId],
  );
  const missing = polled.data === 'missing';
  const hold = polled.data === 'missing' ? undefined : polled.data;
  const sentence = holdSentence(hold, t);
  return (
    <section>
      <PageTitle title={t('boughtTitle')}>{t('boughtTitle')}</PageTitle>
      {missing ? (
        <p>
          {t('holdMissing')} <a href="/tickets">{t('myTicketsLink')}</a>
        </p>
      ) : (
        <>
          {hold && show.data ? (
            <p class="lead">
              {t('holdFor', {
                quantity: hold.quantity,
                show: show.data.title,
                total: formatPrice(language, { amount: hold.amountTotal, currency: hold.currency }),
              })}
            </p>
          ) : null}
          {/* present from the first render, so each change of its words is read out */}
          <div role="status" aria-live="polite" class={`hold-state hold-${hold?.status ?? 'held'}`}>
            <p>{sentence}</p>
          </div>
          {!hold || hold.status === 'held' ? (
            <>
              <p class="field-hint">{t('holdWaitingHint')}</p>
              <ProgressBar label={t('holdWaiting')} value={null} />
            </>
          ) : null}
          {polled.error && !polled.finished ? <ErrorMessage error={polled.error} /> : null}
          {hold?.status === 'paid' && hold.ticketIds.length > 0 ? <PaidTickets hold={hold} /> : null}
          {hold && hold.status === 'released' ? (
            <p>
              <a class="button button-primary" href={showPath(showId)}>
                {show.data?.title ?? tc('backToShows')}
              </a>
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}
