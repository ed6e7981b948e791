import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { readConfig } from '#shared/config/config.ts';
import { ConfigError } from '#shared/errors.ts';
import { paymentsConfig } from '#shared/payments/payments-from-config.ts';
import { apiEndpoint } from '#shared/payments/stripe-payments.ts';
import { readCheckoutSessionParams } from '../../../../infra/local/stripe/checkout-params.ts';
import { canonicalParams, FormSyntaxError, parseStripeForm } from '../../../../infra/local/stripe/form.ts';
import { StripeApiError } from '../../../../infra/local/stripe/stripe-error.ts';
import { stripeSignatureHeader } from '../../../../infra/local/stripe/webhook-sender.ts';

describe('Local Stripe: form bodies', () => {
  it('nests bracket notation into objects and arrays, with brackets encoded or not', () => {
    // Act
    const parsed = parseStripeForm(
      'line_items[0][price_data][currency]=eur&line_items%5B0%5D%5Bquantity%5D=2&line_items[1][quantity]=1&metadata[hold_id]=H&expand[]=a&expand[]=b&success_url=https%3A%2F%2Fx.test%2F%3Fa%3D1',
    );

    // Assess
    expect(parsed).toEqual({
      line_items: [{ price_data: { currency: 'eur' }, quantity: '2' }, { quantity: '1' }],
      metadata: { hold_id: 'H' },
      expand: ['a', 'b'],
      success_url: 'https://x.test/?a=1',
    });
  });

  it.each([
    ['a value and an object under one name', 'a=1&a[b]=2'],
    ['an index past 1000', 'a[1001]=x'],
    ['an unbalanced bracket', 'a[b=1'],
  ])('refuses %s', (_name, body) => {
    // Act & Assess
    expect(() => parseStripeForm(body)).toThrow(FormSyntaxError);
  });

  it('compares parameters regardless of their order', () => {
    // Act
    const one = canonicalParams(parseStripeForm('a=1&b[c]=2&b[d]=3'));
    const other = canonicalParams(parseStripeForm('b[d]=3&a=1&b[c]=2'));
    const different = canonicalParams(parseStripeForm('a=1&b[c]=2&b[d]=4'));

    // Assess
    expect(one).toBe(other);
    expect(one).not.toBe(different);
  });
});

describe('Local Stripe: Checkout Session parameters', () => {
  const now = 1_900_000_000;
  const params = (extra = '') =>
    parseStripeForm(
      `mode=payment&success_url=https%3A%2F%2Fok.test&line_items[0][price_data][currency]=eur&line_items[0][price_data][unit_amount]=250&line_items[0][price_data][product_data][name]=T&line_items[0][quantity]=4${extra}`,
    );

  function refusal(extra: string): StripeApiError {
    try {
      readCheckoutSessionParams(params(extra), now);
    } catch (error) {
      if (error instanceof StripeApiError) return error;
      throw error;
    }
    throw new Error('accepted');
  }

  it('totals the line items and keeps the expiry', () => {
    // Act
    const input = readCheckoutSessionParams(params(`&expires_at=${now + 1800}`), now);

    // Assess
    expect(input).toMatchObject({ amountTotal: 1000, currency: 'eur', expiresAt: now + 1800 });
  });

  it.each([
    ['an expiry under 30 minutes', `&expires_at=${now + 1799}`, 'expires_at'],
    ['an expiry over 24 hours', `&expires_at=${now + 86_401}`, 'expires_at'],
    [
      'a second currency',
      '&line_items[1][price_data][currency]=usd&line_items[1][price_data][unit_amount]=1&line_items[1][price_data][product_data][name]=U&line_items[1][quantity]=1',
      'line_items',
    ],
    ['an unknown parameter', '&discounts[0][coupon]=X', 'discounts'],
    ['a metadata value over 500 characters', `&metadata[k]=${'v'.repeat(501)}`, 'metadata'],
  ])('refuses %s with a 400 naming %s', (_name, extra, param) => {
    // Act
    const error = refusal(extra);

    // Assess
    expect(error.status).toBe(400);
    expect(error.body().error.param).toBe(param);
  });
});

describe('Local Stripe: webhook signatures', () => {
  it('signs so that the stripe package verifies it, and only with the right secret and body', () => {
    // Prepare
    const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'ping' }, null, 2);
    const timestamp = Math.floor(Date.now() / 1000);
    const header = stripeSignatureHeader(payload, 'whsec_test_secret', timestamp);

    // Act
    const verified = Stripe.webhooks.constructEvent(payload, header, 'whsec_test_secret');

    // Assess
    expect(verified.id).toBe('evt_1');
    expect(header).toBe(
      Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_test_secret', timestamp }),
    );
    expect(() => Stripe.webhooks.constructEvent(payload, header, 'whsec_other')).toThrow();
    expect(() => Stripe.webhooks.constructEvent(`${payload} `, header, 'whsec_test_secret')).toThrow();
  });
});

describe('Payments config', () => {
  it('defaults to api.stripe.com with one retry and a 10 s timeout', () => {
    // Act
    const config = readConfig(paymentsConfig, { STRIPE_SECRET_KEY: 'sk_test_abc123' });

    // Assess
    expect(config).toEqual({
      STRIPE_API_BASE: 'https://api.stripe.com',
      STRIPE_SECRET_KEY: 'sk_test_abc123',
      STRIPE_TIMEOUT_MS: 10_000,
      STRIPE_MAX_NETWORK_RETRIES: 1,
    });
    expect(apiEndpoint(config.STRIPE_API_BASE)).toEqual({
      host: 'api.stripe.com',
      port: 443,
      protocol: 'https',
    });
  });

  it('reads a local origin into host, port and protocol', () => {
    // Act & Assess
    expect(apiEndpoint('http://127.0.0.1:12111')).toEqual({
      host: '127.0.0.1',
      port: 12111,
      protocol: 'http',
    });
    expect(apiEndpoint('http://[::1]:80/')).toEqual({ host: '::1', port: 80, protocol: 'http' });
  });

  it('names a bad key or base without echoing the value', () => {
    // Prepare
    const secret = 'pk_live_thisIsAPublishableKeyNotASecret';

    // Act
    let caught: unknown;
    try {
      readConfig(paymentsConfig, { STRIPE_SECRET_KEY: secret, STRIPE_API_BASE: 'https://api.stripe.com/v1' });
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect([...error.variables].sort()).toEqual(['STRIPE_API_BASE', 'STRIPE_SECRET_KEY']);
    expect(error.message).not.toContain(secret);
  });
});
