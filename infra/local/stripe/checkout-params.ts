import type { FormObject, FormValue } from './form.ts';
import { invalidParam, missingParam, StripeApiError } from './stripe-error.ts';

export interface LineItemInput {
  readonly name: string;
  readonly unitAmount: number;
  readonly currency: string;
  readonly quantity: number;
}

export interface CheckoutSessionInput {
  readonly lineItems: readonly LineItemInput[];
  readonly currency: string;
  readonly amountTotal: number;
  readonly successUrl: string;
  readonly cancelUrl: string | null;
  readonly clientReferenceId: string | null;
  readonly customerEmail: string | null;
  readonly metadata: Record<string, string>;
  readonly paymentIntentMetadata: Record<string, string>;
  /** Unix seconds; null when Stripe's default (24 h) applies. */
  readonly expiresAt: number | null;
}

const SESSION_PARAMS = new Set([
  'mode',
  'line_items',
  'success_url',
  'cancel_url',
  'client_reference_id',
  'customer_email',
  'metadata',
  'payment_intent_data',
  'expires_at',
  'payment_method_types',
  'locale',
  'expand',
]);
const PAYMENT_INTENT_DATA_PARAMS = new Set(['metadata', 'description', 'statement_descriptor_suffix']);
/** Stripe's ceiling for one charge (eight digits in the smallest unit). */
export const MAX_AMOUNT = 99_999_999;
const MIN_EXPIRY_SECONDS = 30 * 60;
const MAX_EXPIRY_SECONDS = 24 * 60 * 60;

/** Validates `POST /v1/checkout/sessions` params as Stripe does for the subset forgecast uses. */
export function readCheckoutSessionParams(params: FormObject, nowSeconds: number): CheckoutSessionInput {
  rejectUnknown(params, SESSION_PARAMS, '');
  const mode = text(params, 'mode');
  if (mode === undefined) throw missingParam('mode');
  if (mode !== 'payment') {
    throw invalidParam(
      'mode',
      `Invalid mode: the local Stripe server supports "payment" only, got "${mode}".`,
    );
  }
  const lineItems = readLineItems(params.line_items);
  const currency = (lineItems[0] as LineItemInput).currency;
  if (lineItems.some((item) => item.currency !== currency)) {
    throw invalidParam('line_items', 'All line items must use the same currency.');
  }
  const amountTotal = lineItems.reduce((sum, item) => sum + item.unitAmount * item.quantity, 0);
  if (amountTotal > MAX_AMOUNT) {
    throw invalidParam('line_items', `The total amount must be at most ${MAX_AMOUNT}.`, 'amount_too_large');
  }
  const successUrl = text(params, 'success_url');
  if (successUrl === undefined) throw missingParam('success_url');
  assertUrl(successUrl, 'success_url');
  const cancelUrl = text(params, 'cancel_url') ?? null;
  if (cancelUrl !== null) assertUrl(cancelUrl, 'cancel_url');
  const clientReferenceId = text(params, 'client_reference_id') ?? null;
  if (clientReferenceId !== null && clientReferenceId.length > 200) {
    throw invalidParam('client_reference_id', 'client_reference_id must be at most 200 characters.');
  }
  const paymentIntentData = params.payment_intent_data;
  if (paymentIntentData !== undefined && !isObject(paymentIntentData)) {
    throw invalidParam('payment_intent_data', 'Invalid object');
  }
  if (paymentIntentData) rejectUnknown(paymentIntentData, PAYMENT_INTENT_DATA_PARAMS, 'payment_intent_data');
  return {
    lineItems,
    currency,
    amountTotal,
    successUrl,
    cancelUrl,
    clientReferenceId,
    customerEmail: text(params, 'customer_email') ?? null,
    metadata: readMetadata(params.metadata, 'metadata'),
    paymentIntentMetadata: readMetadata(paymentIntentData?.metadata, 'payment_intent_data[metadata]'),
    expiresAt: readExpiresAt(params.expires_at, nowSeconds),
  };
}

function readLineItems(value: FormValue | undefined): LineItemInput[] {
  if (value === undefined) throw missingParam('line_items');
  if (!Array.isArray(value) || value.length === 0) throw invalidParam('line_items', 'Invalid array');
  return value.map((raw, index) => {
    const at = `line_items[${index}]`;
    if (!isObject(raw)) throw invalidParam(at, 'Invalid object');
    rejectUnknown(raw, new Set(['price_data', 'quantity', 'price']), at);
    if (raw.price !== undefined) {
      throw invalidParam(`${at}[price]`, 'The local Stripe server takes price_data, not Price ids.');
    }
    const priceData = raw.price_data;
    if (priceData === undefined) throw missingParam(`${at}[price_data]`);
    if (!isObject(priceData)) throw invalidParam(`${at}[price_data]`, 'Invalid object');
    rejectUnknown(priceData, new Set(['currency', 'unit_amount', 'product_data']), `${at}[price_data]`);
    const currency = text(priceData, 'currency');
    if (currency === undefined) throw missingParam(`${at}[price_data][currency]`);
    if (!/^[a-z]{3}$/.test(currency)) {
      throw invalidParam(`${at}[price_data][currency]`, `Invalid currency: ${currency}.`);
    }
    const unitAmount = integer(priceData.unit_amount, `${at}[price_data][unit_amount]`, 0, MAX_AMOUNT);
    if (unitAmount === undefined) throw missingParam(`${at}[price_data][unit_amount]`);
    const product = priceData.product_data;
    if (product === undefined) throw missingParam(`${at}[price_data][product_data]`);
    if (!isObject(product)) throw invalidParam(`${at}[price_data][product_data]`, 'Invalid object');
    const name = text(product, 'name');
    if (name === undefined || name.trim() === '') throw missingParam(`${at}[price_data][product_data][name]`);
    const quantity = integer(raw.quantity, `${at}[quantity]`, 1, 999_999);
    if (quantity === undefined) throw missingParam(`${at}[quantity]`);
    return { name, unitAmount, currency, quantity };
  });
}

function readExpiresAt(value: FormValue | undefined, nowSeconds: number): number | null {
  const expiresAt = integer(value, 'expires_at', 0, Number.MAX_SAFE_INTEGER);
  if (expiresAt === undefined) return null;
  if (expiresAt < nowSeconds + MIN_EXPIRY_SECONDS) {
    throw invalidParam(
      'expires_at',
      'The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.',
    );
  }
  if (expiresAt > nowSeconds + MAX_EXPIRY_SECONDS) {
    throw invalidParam(
      'expires_at',
      'The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.',
    );
  }
  return expiresAt;
}

/** Stripe's metadata limits: 50 keys, key names up to 40 characters, values up to 500. */
export function readMetadata(value: FormValue | undefined, param: string): Record<string, string> {
  if (value === undefined || value === '') return {};
  if (!isObject(value)) throw invalidParam(param, 'Invalid hash');
  const entries = Object.entries(value);
  if (entries.length > 50) throw invalidParam(param, 'You can specify up to 50 keys in metadata.');
  const metadata: Record<string, string> = {};
  for (const [key, entry] of entries) {
    if (typeof entry !== 'string') throw invalidParam(`${param}[${key}]`, 'Invalid string');
    if (key.length > 40) throw invalidParam(param, 'Metadata keys can be at most 40 characters long.');
    if (entry.length > 500) throw invalidParam(param, 'Metadata values can be at most 500 characters long.');
    metadata[key] = entry;
  }
  return metadata;
}

export function rejectUnknown(params: FormObject, allowed: ReadonlySet<string>, parent: string): void {
  for (const key of Object.keys(params)) {
    if (!allowed.has(key)) {
      const name = parent === '' ? key : `${parent}[${key}]`;
      throw new StripeApiError(400, 'invalid_request_error', `Received unknown parameter: ${name}`, {
        code: 'parameter_unknown',
        param: name,
      });
    }
  }
}

export function text(params: FormObject, key: string): string | undefined {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalidParam(key, 'Invalid string');
  return value;
}

export function integer(
  value: FormValue | undefined,
  param: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw invalidParam(param, 'Invalid integer', 'parameter_invalid_integer');
  }
  const number = Number(value);
  if (number < min || number > max) {
    throw invalidParam(param, `This value must be between ${min} and ${max}.`, 'parameter_invalid_integer');
  }
  return number;
}

export function isObject(value: FormValue | undefined): value is FormObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function assertUrl(value: string, param: string): void {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw invalidParam(param, 'Not a valid URL', 'url_invalid');
  }
}
