/**
 * The currencies a show can be priced in: the ISO 4217 codes Stripe accepts as presentment
 * currencies, with Stripe's rules for amounts in minor units. One source for validation (shows)
 * and for the last check before a Checkout Session is asked for (checkout).
 *
 * Source: https://docs.stripe.com/currencies ("Supported presentment currencies", "Zero-decimal
 * currencies", "Three-decimal currencies", "Special cases"), read December 2026. Stripe adds and
 * retires currencies now and then: a code missing here is refused with a clear reason, never
 * sent to Stripe to fail at checkout.
 */

/** Lower-case, as Stripe's API takes them. */
export const STRIPE_PRESENTMENT_CURRENCIES: ReadonlySet<string> = new Set(
  (
    'aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp byn bzd ' +
    'cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq ' +
    'gyd hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt lak lbp lkr lrd ' +
    'lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd omr pab pen pgk ' +
    'php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs tnd top ' +
    'try ttd twd tzs uah ugx usd uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw'
  ).split(' '),
);

/** Amounts are whole units: 500 JPY is `500`. */
const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

/** Three minor digits (5.120 KWD is `5120`), and Stripe requires the last digit to be 0. */
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/**
 * Two minor digits in the API, but only whole units can be charged: ISK since card networks
 * stopped fractional króna (2023), so the amount must be a multiple of 100. (HUF and TWD are
 * whole-unit only for payouts; charges may carry decimals, so they need no rule here.)
 */
const WHOLE_UNITS_OF_TWO_DECIMALS = new Set(['isk']);

export interface CurrencyRule {
  /** Digits after the decimal point in the API's minor units. */
  readonly minorDigits: 0 | 2 | 3;
  /** The amount in minor units must be a multiple of this. */
  readonly amountStep: 1 | 10 | 100;
}

/** Stripe's rule for a lower-case code, or undefined when Stripe does not take the currency. */
export function currencyRule(currency: string): CurrencyRule | undefined {
  const code = currency.toLowerCase();
  if (!STRIPE_PRESENTMENT_CURRENCIES.has(code)) return undefined;
  if (ZERO_DECIMAL.has(code)) return { minorDigits: 0, amountStep: 1 };
  if (THREE_DECIMAL.has(code)) return { minorDigits: 3, amountStep: 10 };
  if (WHOLE_UNITS_OF_TWO_DECIMALS.has(code)) return { minorDigits: 2, amountStep: 100 };
  return { minorDigits: 2, amountStep: 1 };
}

/**
 * Why `amount` (minor units) in `currency` cannot be charged through Stripe, in words a client can
 * act on; undefined when it can.
 */
export function priceProblem(amount: number, currency: string): string | undefined {
  const rule = currencyRule(currency);
  if (!rule) {
    return `${currency.toUpperCase()} is not a currency Stripe can charge in; use an ISO 4217 code such as EUR, USD or JPY`;
  }
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    return 'the amount must be a positive whole number of minor units';
  }
  if (amount % rule.amountStep !== 0) {
    const code = currency.toUpperCase();
    return rule.amountStep === 10
      ? `${code} amounts have three minor digits and Stripe charges them only in multiples of 10 (e.g. 5120 for 5.120 ${code})`
      : `${code} can only be charged in whole units: the amount must be a multiple of ${rule.amountStep}`;
  }
  return undefined;
}
