import { describe, expect, it } from 'vitest';
import {
  CodedProblemError,
  NotFoundError,
  toProblem as serverProblem,
  ValidationError,
} from '#shared/errors.ts';
import {
  fieldErrors,
  isKnownProblemKind,
  networkSentence,
  problemKind,
  problemSentence,
  toProblem,
} from '../../../../web/src/app/problems.ts';

describe('Module: web/src/app/problems', () => {
  describe('Function: problemKind', () => {
    it('names a problem by its code in dashed form, else by the last segment of its type', () => {
      // Prepare
      const coded = serverProblem(new CodedProblemError(409, 'sold_out', 'Conflict', 'Sold out'));
      const plain = serverProblem(new NotFoundError('No design 01H'));

      // Act / Assess
      expect(problemKind(coded)).toBe('sold-out');
      expect(problemKind(plain)).toBe('not-found');
      expect(problemKind({ type: 'about:blank' })).toBe('about:blank');
    });
  });

  describe('Function: problemSentence', () => {
    it('says what a known problem means, in English and in Italian, without the server’s wording', () => {
      // Prepare: the document exactly as the API would send it
      const problem = serverProblem(
        new CodedProblemError(
          409,
          'prints_exhausted',
          'No prints left',
          'License 01H has 0 of 10 prints left',
        ),
      );

      // Act
      const en = problemSentence(problem, 'en');
      const it_ = problemSentence(problem, 'it');

      // Assess
      expect(en).toBe('The license has no prints left.');
      expect(it_).toBe('La licenza non ha più stampe disponibili.');
      expect(en).not.toContain('01H');
    });

    it('covers the session problems the portal meets first (signed out, foreign origin)', () => {
      const signedOut = {
        type: 'https://forgecast.dev/problems/not-signed-in',
        title: 'Not signed in',
        status: 401,
        code: 'not-signed-in',
      };
      const origin = {
        type: 'https://forgecast.dev/problems/origin-refused',
        title: 'Request refused',
        status: 403,
        code: 'origin-refused',
      };

      expect(problemSentence(signedOut, 'en')).toMatch(/not signed in/i);
      expect(problemSentence(signedOut, 'it')).toMatch(/accesso/);
      expect(problemSentence(origin, 'en')).toMatch(/portal/);
      expect(problemSentence(origin, 'it')).toMatch(/portale/);
    });

    it('gives every problem kind listed in the API reference a sentence of its own, except the webhook-only ones', async () => {
      // Prepare: the table of problems in docs/api.md (generated from the handlers' own errors)
      const { readFile } = await import('node:fs/promises');
      const reference = await readFile(new URL('../../../../docs/api.md', import.meta.url), 'utf8');
      const section = reference.slice(reference.indexOf('## Problems'), reference.indexOf('## health'));
      const kinds = [...section.matchAll(/^\| \d{3} \| `([a-z-]+)` \| (?:`([a-z_]+)`)? *\|/gm)].map(
        ([, type, code]) => (code ?? type ?? '').replaceAll('_', '-'),
      );
      // a person using the portal never calls the Stripe webhook or a viewer's ticket routes
      const notForThePortal =
        /^(stripe-signature|malformed-ticket|invalid-ticket|no-valid-ticket|not-your-show|ticket-|already-checked-in|not-ready|show-cancelled|wrong-show|not-on-sale|sold-out|price-not-chargeable|payment-provider-unavailable)/;

      // Act
      const missing = kinds.filter((kind) => !notForThePortal.test(kind) && !isKnownProblemKind(kind));

      // Assess
      expect(kinds.length).toBeGreaterThan(30);
      expect(missing).toEqual([]);
    });

    it('falls back to the status class and the server’s detail for a kind it does not know', () => {
      const unknown = {
        type: 'https://forgecast.dev/problems/something-new',
        title: 'New',
        status: 422,
        detail: 'Because.',
      };
      const unknownOutage = { type: 'https://forgecast.dev/problems/odd', title: 'Odd', status: 502 };

      expect(problemSentence(unknown, 'en')).toBe('The request was refused. Because.');
      expect(problemSentence(unknown, 'it')).toBe('La richiesta è stata rifiutata. Because.');
      expect(problemSentence(unknownOutage, 'it')).toMatch(/da parte nostra/);
    });

    it('says how long to wait when an outage carries a retry hint', () => {
      const outage = {
        ...serverProblem(new ValidationError('x')),
        type: 'https://forgecast.dev/problems/dependency-unavailable',
        status: 503,
        retryAfterSeconds: 5,
      };

      expect(problemSentence(outage, 'en')).toMatch(/Try again in 5 s\.\)$/);
      expect(problemSentence(outage, 'it')).toMatch(/Riprova tra 5 s\.\)$/);
    });

    it('has a sentence for no answer at all', () => {
      expect(networkSentence('en')).toMatch(/could not be reached/);
      expect(networkSentence('it')).toMatch(/Impossibile raggiungere/);
    });
  });

  describe('Function: toProblem', () => {
    it('keeps a problem document and names anything else (HTML from a proxy, empty) by its status', () => {
      expect(toProblem(404, { type: 't/not-found', title: 'Not found', status: 404, code: 'x' }).code).toBe(
        'x',
      );
      expect(toProblem(502, null)).toEqual({ type: 'about:blank', title: 'HTTP 502', status: 502 });
      expect(toProblem(500, '<html>')).toEqual({ type: 'about:blank', title: 'HTTP 500', status: 500 });
    });
  });

  describe('Function: fieldErrors', () => {
    it('maps validation errors to the form field each pointer names (first message per field)', () => {
      const problem = {
        type: 't/validation',
        title: 'Request is not valid',
        status: 400,
        errors: [
          { pointer: '/name', detail: 'Too long' },
          { pointer: '#/sizeBytes', detail: 'Too large' },
          { pointer: '/name', detail: 'second' },
          { detail: 'no pointer' },
        ],
      };

      expect(fieldErrors(problem)).toEqual({ name: 'Too long', sizeBytes: 'Too large' });
    });
  });
});
