/**
 * `/tickets`: the person's tickets, newest first, each with its QR code. The list has no codes
 * (`GET /v1/tickets`); each valid ticket's code comes from `GET /v1/tickets/{id}`.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../app/api.ts';
import { Button } from '../../app/components/button.tsx';
import { ErrorMessage, Loading } from '../../app/components/feedback.tsx';
import { PageTitle } from '../../app/components/page.tsx';
import { useT } from '../../app/i18n.tsx';
import { catalogueMessages } from '../catalogue-messages.ts';
import { type Page, type Ticket, ticketPath, ticketsPath } from '../model.ts';
import { usePaged } from '../paged-list.ts';
import { showsMessages } from '../pages-messages.ts';
import { TicketCard } from './ticket-card.tsx';

/** The ticket with its code once fetched (valid tickets only: revoked ones have none). */
export function useTicketCodes(tickets: readonly Ticket[]): readonly Ticket[] {
  const [codes, setCodes] = useState<Readonly<Record<string, string | null>>>({});
  useEffect(() => {
    const controller = new AbortController();
    for (const ticket of tickets) {
      if (ticket.status === 'revoked' || ticket.id in codes) continue;
      api.get<Ticket>(ticketPath(ticket.id), { signal: controller.signal }).then(
        (full) => setCodes((known) => ({ ...known, [ticket.id]: full.code ?? null })),
        () => undefined, // the card says no code; the list itself loaded
      );
    }
    return () => controller.abort();
  }, [tickets]);
  return tickets.map((ticket) =>
    ticket.id in codes ? { ...ticket, code: codes[ticket.id] ?? null } : ticket,
  );
}

export default function TicketsList() {
  const t = useT(showsMessages);
  const tc = useT(catalogueMessages);
  const list = usePaged<Ticket>(
    (cursor, signal) => api.get<Page<Ticket>>(ticketsPath(cursor), { signal }),
    'tickets',
  );
  const tickets = useTicketCodes(list.items);
  return (
    <section>
      <PageTitle title={t('myTicketsTitle')}>{t('myTicketsTitle')}</PageTitle>
      {list.status === 'loading' ? <Loading /> : null}
      {list.error ? <ErrorMessage error={list.error} onRetry={list.reload} /> : null}
      {list.status === 'ready' && tickets.length === 0 ? (
        <div class="empty-state">
          <p>{t('noTickets')}</p>
          <a class="button button-primary" href="/shows">
            {t('browseShows')}
          </a>
        </div>
      ) : null}
      {tickets.length > 0 ? (
        <ul class="ticket-list">
          {tickets.map((ticket) => (
            <TicketCard key={ticket.id} ticket={ticket} />
          ))}
        </ul>
      ) : null}
      {list.hasMore ? (
        <div class="actions">
          <Button variant="secondary" busy={list.loadingMore} onClick={list.loadMore}>
            {tc('showMore')}
          </Button>
        </div>
      ) : null}
    </section>
  );
}
