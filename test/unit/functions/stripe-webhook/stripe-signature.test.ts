import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  StripeSignatureInvalidError,
  StripeSignatureMissingError,
  StripeSignatureStaleError,
  signatureVerifier,
} from '#functions/stripe-webhook/verify-signature.ts';

const CURRENT = 'whsec_current_0123456789abcdef';
const NEXT = 'whsec_next_fedcba9876543210';
const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);
const nowSeconds = Math.floor(NOW_MS / 1000);
const body = Buffer.from(
  JSON.stringify({ id: 'evt_1', object: 'event', type: 'checkout.session.completed' }, null, 2),
);

const sign = (payload: Buffer | string, secret: string, timestamp = nowSeconds) =>
  Stripe.webhooks.generateTestHeaderString({ payload: payload.toString(), secret, timestamp });

describe('Stripe webhook signature', () => {
  const verifier = signatureVerifier([CURRENT], 300);

  it('accepts the exact bytes signed with the configured secret', () => {
    expect(() => verifier.verify(body, sign(body, CURRENT), NOW_MS)).not.toThrow();
  });

  it('refuses a delivery without the header', () => {
    expect(() => verifier.verify(body, undefined, NOW_MS)).toThrow(StripeSignatureMissingError);
    expect(() => verifier.verify(body, '', NOW_MS)).toThrow(StripeSignatureMissingError);
  });

  it('refuses a signature made with another secret', () => {
    expect(() => verifier.verify(body, sign(body, 'whsec_someone_else_entirely'), NOW_MS)).toThrow(
      StripeSignatureInvalidError,
    );
  });

  it('refuses the body altered by one byte', () => {
    const header = sign(body, CURRENT);
    const altered = Buffer.from(body);
    altered[10] = (altered[10] as number) ^ 0x01;
    expect(() => verifier.verify(altered, header, NOW_MS)).toThrow(StripeSignatureInvalidError);
  });

  it('refuses the same JSON re-serialised (whitespace is part of what was signed)', () => {
    const header = sign(body, CURRENT);
    const compact = Buffer.from(JSON.stringify(JSON.parse(body.toString())));
    expect(() => verifier.verify(compact, header, NOW_MS)).toThrow(StripeSignatureInvalidError);
  });

  it('refuses a header without a timestamp or without a v1 signature', () => {
    const v1 = sign(body, CURRENT).split(',')[1] as string;
    expect(() => verifier.verify(body, v1, NOW_MS)).toThrow(StripeSignatureInvalidError);
    expect(() => verifier.verify(body, `t=${nowSeconds}`, NOW_MS)).toThrow(StripeSignatureInvalidError);
  });

  it('accepts a signature exactly at the tolerance and refuses one a second older', () => {
    expect(() => verifier.verify(body, sign(body, CURRENT, nowSeconds - 300), NOW_MS)).not.toThrow();
    const stale = sign(body, CURRENT, nowSeconds - 301);
    expect(() => verifier.verify(body, stale, NOW_MS)).toThrow(StripeSignatureStaleError);
  });

  it('tells a stale forgery apart from a stale genuine delivery: the forgery is invalid', () => {
    const forged = sign(body, 'whsec_forger_000000000', nowSeconds - 3600);
    expect(() => verifier.verify(body, forged, NOW_MS)).toThrow(StripeSignatureInvalidError);
  });

  it('honours a configured tolerance', () => {
    const strict = signatureVerifier([CURRENT], 30);
    expect(() => strict.verify(body, sign(body, CURRENT, nowSeconds - 31), NOW_MS)).toThrow(
      StripeSignatureStaleError,
    );
  });

  it('accepts either secret while one is being rolled, and a header carrying both signatures', () => {
    const rolling = signatureVerifier([CURRENT, NEXT], 300);
    expect(() => rolling.verify(body, sign(body, CURRENT), NOW_MS)).not.toThrow();
    expect(() => rolling.verify(body, sign(body, NEXT), NOW_MS)).not.toThrow();
    const both = `${sign(body, 'whsec_retired_secret_00')},v1=${sign(body, NEXT).split('v1=')[1]}`;
    expect(() => rolling.verify(body, both, NOW_MS)).not.toThrow();
    expect(() => verifier.verify(body, sign(body, NEXT), NOW_MS)).toThrow(StripeSignatureInvalidError);
  });

  it('agrees with the stripe package on a body with multi-byte characters', () => {
    const unicode = Buffer.from(JSON.stringify({ id: 'evt_2', title: 'Bühnenshow 🎭 — ünïcödé' }, null, 2));
    expect(() => verifier.verify(unicode, sign(unicode, CURRENT), NOW_MS)).not.toThrow();
    expect(() =>
      Stripe.webhooks.constructEvent(unicode, sign(unicode, CURRENT), CURRENT, 300, undefined, NOW_MS),
    ).not.toThrow();
  });

  it('reads the header leniently but the signature strictly', () => {
    const [t, v1] = sign(body, CURRENT).split(',') as [string, string];
    expect(() =>
      verifier.verify(body, ` ${t}, ${v1.toUpperCase().replace('V1=', 'v1=')} `, NOW_MS),
    ).not.toThrow();
    expect(() => verifier.verify(body, `${t},v0=${v1.slice(3)}`, NOW_MS)).toThrow(
      StripeSignatureInvalidError,
    );
    expect(() => verifier.verify(body, `${t},${v1.slice(0, -2)}`, NOW_MS)).toThrow(
      StripeSignatureInvalidError,
    );
    expect(() => verifier.verify(body, 'garbage', NOW_MS)).toThrow(StripeSignatureInvalidError);
  });

  it('answers 400 with a distinct problem slug for each refusal', () => {
    const errors = [
      new StripeSignatureMissingError('x'),
      new StripeSignatureInvalidError('x'),
      new StripeSignatureStaleError('x'),
    ];
    expect(errors.map((error) => error.status)).toEqual([400, 400, 400]);
    expect(new Set(errors.map((error) => error.slug)).size).toBe(3);
  });

  it('needs at least one secret', () => {
    expect(() => signatureVerifier([], 300)).toThrow(/secret/);
  });
});
