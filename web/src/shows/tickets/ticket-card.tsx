/** One ticket: its show, seat, status in words, and (while valid) the QR code of its check-in code. */
import { StatusBadge, type Tone } from '../../app/components/feedback.tsx';
import type { Translate } from '../../app/i18n.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatMoment, formatShowTime } from '../format.ts';
import { type Ticket, ticketShow } from '../model.ts';
import { type ShowsKey, showsMessages } from '../pages-messages.ts';
import { QrCode } from './qr-code.tsx';

/** The ticket's state in words and a tone (the words carry the meaning). */
export function ticketStatus(
  ticket: Ticket,
  t: Translate<ShowsKey>,
  moment: (iso: string) => string,
): { text: string; tone: Tone } {
  if (ticket.status === 'revoked') {
    const reason = ticket.revokedReason;
    const text =
      reason === 'refunded'
        ? t('ticket.revokedRefunded')
        : reason === 'disputed'
          ? t('ticket.revokedDisputed')
          : reason
            ? t('ticket.revokedReason', { reason })
            : t('ticket.revoked');
    return { text, tone: 'danger' };
  }
  if (ticket.checkedInAt)
    return { text: t('ticket.checkedIn', { time: moment(ticket.checkedInAt) }), tone: 'info' };
  return { text: t('ticket.valid'), tone: 'success' };
}

export function TicketCard({
  ticket,
  qrSize = 160,
  links = true,
  single = false,
}: {
  readonly ticket: Ticket;
  readonly qrSize?: number;
  readonly links?: boolean;
  /** The ticket's own page: no link to itself. */
  readonly single?: boolean;
}) {
  const t = useT(showsMessages);
  const { language } = useLanguage();
  const show = ticketShow(ticket);
  const status = ticketStatus(ticket, t, (iso) => formatMoment(language, iso));
  const seat = String(ticket.seat);
  return (
    <li class="ticket-card">
      <div class="ticket-card-body">
        <h2>{show.title ? <a href={`/shows/${encodeURIComponent(show.id)}`}>{show.title}</a> : ticket.id}</h2>
        <p>
          {show.startsAt ? (
            <time dateTime={show.startsAt}>{formatShowTime(language, show.startsAt)}</time>
          ) : null}
          {' · '}
          {t('seat', { seat })}
        </p>
        <p>
          <StatusBadge tone={status.tone}>{status.text}</StatusBadge>
        </p>
        {links ? (
          <div class="actions">
            {ticket.status !== 'revoked' && !single ? (
              <a class="button button-secondary" href={`/tickets/${encodeURIComponent(ticket.id)}`}>
                {t('openForDoor')}
              </a>
            ) : null}
            {ticket.status !== 'revoked' && show.id ? (
              <a class="button button-primary" href={`/watch/${encodeURIComponent(show.id)}`}>
                {t('watchLink')}
              </a>
            ) : null}
          </div>
        ) : null}
      </div>
      <div class="ticket-card-qr">
        {ticket.code ? (
          <QrCode
            text={ticket.code}
            size={qrSize}
            label={t('qrLabel', { seat, show: show.title })}
            loadingLabel={t('qrLoading')}
          />
        ) : ticket.code === null || ticket.status === 'revoked' ? (
          <p class="field-hint">{t('noCode')}</p>
        ) : (
          <div class="qr qr-loading" role="img" aria-label={t('qrLoading')} />
        )}
      </div>
    </li>
  );
}
