/** `/tickets/:id`: one ticket, its QR code large enough for the door's scanner, and the code as text. */
import { api } from '../../app/api.ts';
import { ErrorMessage, Loading } from '../../app/components/feedback.tsx';
import { PageTitle } from '../../app/components/page.tsx';
import { useT } from '../../app/i18n.tsx';
import { useResource } from '../../app/resource.ts';
import { type Ticket, ticketPath, ticketShow } from '../model.ts';
import { showsMessages } from '../pages-messages.ts';
import { TicketCard } from './ticket-card.tsx';

export default function TicketPage({ params }: { readonly params?: { readonly id?: string } }) {
  const t = useT(showsMessages);
  const id = params?.id ?? '';
  const ticket = useResource((signal) => api.get<Ticket>(ticketPath(id), { signal }), [id]);
  if (!ticket.data) {
    return ticket.status === 'failed' ? (
      <ErrorMessage error={ticket.error} onRetry={ticket.reload} />
    ) : (
      <Loading />
    );
  }
  const data = ticket.data;
  const title = t('ticketTitle', { show: ticketShow(data).title });
  return (
    <section class="ticket-page">
      <p>
        <a href="/tickets">← {t('myTicketsTitle')}</a>
      </p>
      <PageTitle title={title}>{title}</PageTitle>
      {data.code ? <p>{t('ticketDoorHint')}</p> : null}
      <ul class="ticket-list ticket-list-single">
        <TicketCard ticket={{ ...data, code: data.code ?? null }} qrSize={320} single />
      </ul>
      {data.code ? (
        <p class="ticket-code">
          {t('codeText')}: <code>{data.code}</code>
        </p>
      ) : null}
    </section>
  );
}
