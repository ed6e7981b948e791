import { describe, expect, it } from 'vitest';
import { currencyRule, priceProblem } from '#shared/payments/currencies.ts';

describe('Module: currencies', () => {
  describe('Function: currencyRule', () => {
    it.each([
      ['eur', { minorDigits: 2, amountStep: 1 }],
      ['USD', { minorDigits: 2, amountStep: 1 }],
      ['jpy', { minorDigits: 0, amountStep: 1 }],
      ['krw', { minorDigits: 0, amountStep: 1 }],
      ['bhd', { minorDigits: 3, amountStep: 10 }],
      ['kwd', { minorDigits: 3, amountStep: 10 }],
      ['jod', { minorDigits: 3, amountStep: 10 }],
      ['omr', { minorDigits: 3, amountStep: 10 }],
      ['tnd', { minorDigits: 3, amountStep: 10 }],
      ['isk', { minorDigits: 2, amountStep: 100 }],
    ])('gives Stripe’s rule for %s', (code, rule) => {
      expect(currencyRule(code)).toEqual(rule);
    });

    it.each(['xxx', 'xau', 'xts', 'abc', 'eu', ''])('knows no rule for %o', (code) => {
      expect(currencyRule(code)).toBeUndefined();
    });
  });

  describe('Function: priceProblem', () => {
    it.each([
      [1500, 'eur'],
      [500, 'jpy'],
      [5120, 'kwd'],
      [1000, 'isk'],
    ])('accepts %d %s', (amount, currency) => {
      expect(priceProblem(amount, currency)).toBeUndefined();
    });

    it.each([
      [1500, 'xxx', /not a currency Stripe can charge/],
      [5125, 'kwd', /multiples of 10/],
      [1050, 'isk', /multiple of 100/],
      [0, 'eur', /positive whole number/],
      [1.5, 'eur', /positive whole number/],
    ])('refuses %d %s with a reason', (amount, currency, reason) => {
      expect(priceProblem(amount, currency)).toMatch(reason);
    });
  });
});
