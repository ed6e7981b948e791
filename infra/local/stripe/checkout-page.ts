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
