import type { CheckoutSessionObject } from './ledger.ts';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The hosted payment page a Checkout Session's `url` points at, reduced to three buttons so a
 * person trying the local cloud in a browser can play the customer.
 */
export function checkoutPageHtml(session: CheckoutSessionObject): string {
  const amount = `${(session.amount_total / 100).toFixed(2)} ${session.currency.toUpperCase()}`;
  const action = `/c/pay/${encodeURIComponent(session.id)}`;
  const button = (choice: string, label: string) =>
    `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="choice" value="${choice}"><button>${label}</button></form>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Local Stripe Checkout</title></head>
<body>
<h1>Local Stripe Checkout</h1>
<p>Session <code>${escapeHtml(session.id)}</code>: ${escapeHtml(amount)}, ${escapeHtml(session.status)}.</p>
${session.status === 'open' ? [button('pay', 'Pay'), button('pay_later', 'Pay by bank debit (settles later)'), button('cancel', 'Cancel')].join('\n') : ''}
</body></html>
`;
}

/** Where the browser goes next: Stripe substitutes `{CHECKOUT_SESSION_ID}` in the success URL. */
export function returnUrl(session: CheckoutSessionObject, cancelled: boolean): string | null {
  if (cancelled) return session.cancel_url;
  return session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', session.id);
}

/** Where the local cloud's Checkout Sessions send the browser back (CHECKOUT_SUCCESS_URL, CHECKOUT_CANCEL_URL). */
export const SUCCESS_PAGE_PATH = '/checkout/success';
export const CANCEL_PAGE_PATH = '/checkout/cancelled';

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;

/**
 * The page a buyer lands on after paying (the success URL): it says what happened to the
 * session and what comes next, and links back to the show, so the local cloud's checkout ends
 * somewhere real. In production the success URL is the shop's own page.
 */
export function successPageHtml(session: CheckoutSessionObject | undefined, apiBase?: string): string {
  if (!session) {
    return page(
      'Checkout: unknown session',
      '<p>This local Stripe server has no such Checkout Session (it may have been restarted).</p>',
    );
  }
  const next =
    '<p>forgecast issues the tickets when Stripe’s webhook reaches it, usually within a second: list them with <code>GET /v1/tickets</code> and your viewer key, then ask for playback with <code>POST /v1/shows/{id}/playback</code>.</p>';
  const state =
    session.status !== 'complete'
      ? `<p>The session is <strong>${escapeHtml(session.status)}</strong>: nothing was charged.</p>${session.url ? `<p><a href="${escapeHtml(session.url)}">Back to the payment page</a></p>` : ''}`
      : session.payment_status === 'paid'
        ? `<p>Payment received for session <code>${escapeHtml(session.id)}</code>.</p>${next}`
        : `<p>Your bank debit for session <code>${escapeHtml(session.id)}</code> is settling: the seats stay held and the tickets come when it succeeds.</p>`;
  return page('Checkout complete', `${state}${showLink(session.metadata.show_id ?? null, apiBase)}`);
}

/** The page a buyer lands on after cancelling (the cancel URL): nothing was charged. */
export function cancelPageHtml(
  showId: string | null,
  openSession: CheckoutSessionObject | undefined,
  apiBase?: string,
): string {
  const back = openSession?.url
    ? `<p>Changed your mind? <a href="${escapeHtml(openSession.url)}">Back to the payment page</a> while the session is open.</p>`
    : '';
  return page(
    'Checkout cancelled',
    `<p>Nothing was charged. The seats stay held until the session expires, then go back on sale.</p>${back}${showLink(showId, apiBase)}`,
  );
}

/** Back to the show (its public record, seats left included) when the API's address is known. */
function showLink(showId: string | null, apiBase: string | undefined): string {
  if (showId === null || !/^[0-9A-Z]{26}$/.test(showId)) return '';
  const path = `/shows/${showId}`;
  return apiBase
    ? `<p>Back to <a href="${escapeHtml(apiBase + path)}">the show</a> (<code>GET /v1${path}</code>).</p>`
    : `<p>The show: <code>GET /v1${path}</code>.</p>`;
}
