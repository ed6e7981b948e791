import { describe, expect, it } from 'vitest';
import { chooseLanguage, defineMessages, formatBytes, translate } from '../../../../web/src/app/language.ts';

describe('Module: web/src/app/language', () => {
  describe('Function: chooseLanguage', () => {
    it('takes the remembered choice first', () => {
      expect(chooseLanguage('it', ['en-GB', 'en'])).toBe('it');
      expect(chooseLanguage('en', ['it-IT'])).toBe('en');
    });

    it('otherwise takes the first browser language it speaks, by primary subtag', () => {
      expect(chooseLanguage(null, ['de-CH', 'it-CH', 'en'])).toBe('it');
      expect(chooseLanguage(undefined, ['EN-us', 'it'])).toBe('en');
    });

    it('ignores a remembered value it does not know and falls back to English when nothing matches', () => {
      expect(chooseLanguage('fr', ['fr-FR', 'de'])).toBe('en');
      expect(chooseLanguage(null, [])).toBe('en');
    });
  });

  describe('Function: translate', () => {
    const messages = defineMessages({
      en: { hello: 'Hello, {name}', only: 'English only', count: '{n} of {total}' },
      it: { hello: 'Ciao, {name}', only: '', count: '{n} su {total}' },
    });

    it('gives the text in the chosen language with its placeholders filled', () => {
      expect(translate(messages, 'it', 'hello', { name: 'Ada' })).toBe('Ciao, Ada');
      expect(translate(messages, 'en', 'count', { n: 3, total: 10 })).toBe('3 of 10');
    });

    it('falls back to English when the translation is missing or empty, and to the key when both are', () => {
      // Prepare: messages that reached the browser incomplete (the type check normally prevents it)
      const partial = { en: { a: 'A', b: 'B' }, it: { a: 'A-it' } as Record<string, string> };

      expect(translate(partial, 'it', 'b')).toBe('B');
      expect(translate(messages, 'it', 'only')).toBe('English only');
      expect(translate(partial, 'it', 'nowhere')).toBe('nowhere');
    });

    it('leaves a placeholder without a value as written', () => {
      expect(translate(messages, 'en', 'hello')).toBe('Hello, {name}');
      expect(translate(messages, 'en', 'hello', { other: 1 })).toBe('Hello, {name}');
    });
  });

  describe('Function: formatBytes', () => {
    it('writes sizes in each language’s conventions', () => {
      expect(formatBytes('en', 900)).toBe('900 bytes');
      expect(formatBytes('en', 1_234_567)).toBe('1.2 MB');
      expect(formatBytes('it', 1_234_567)).toBe('1,2 MB');
    });
  });
});
