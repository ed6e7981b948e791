import { describe, expect, it } from 'vitest';
import type { Session } from '../../../../web/src/app/session-model.ts';
import { decide, isCreator, navigable } from '../../../../web/src/shows/access.ts';
import { doorRefusal } from '../../../../web/src/shows/door-result.ts';
import { formatMoment, formatPrice, formatShowTime, seatsKey } from '../../../../web/src/shows/format.ts';
import { buyable, type Show, showState, tabFrom, ticketShow } from '../../../../web/src/shows/model.ts';
import { showsProblemSentence } from '../../../../web/src/shows/shows-problems.ts';
import {
  renewDelayMs,
  sameStream,
  tokenOf,
  withToken,
} from '../../../../web/src/shows/watch/playback-token.ts';

const nbsp = (text: string) => text.replace(/\u00a0|\u202f/g, ' ');

describe('Function: formatPrice', () => {
  it('reads minor units by the currency’s rule: cents, zero-decimal yen, three-decimal dinar, whole-unit króna', () => {
    expect(formatPrice('en', { amount: 1500, currency: 'eur' })).toBe('€15.00');
    expect(nbsp(formatPrice('it', { amount: 1500, currency: 'eur' }))).toBe('15,00 €');
    expect(formatPrice('en', { amount: 500, currency: 'jpy' })).toBe('JP¥500');
    expect(nbsp(formatPrice('en', { amount: 5120, currency: 'kwd' }))).toBe('KWD 5.120');
    expect(nbsp(formatPrice('en', { amount: 100, currency: 'isk' }))).toBe('ISK 1');
  });

  it('still says something for a code Intl does not know', () => {
    expect(formatPrice('en', { amount: 250, currency: 'zzz1' })).toBe('2.50 ZZZ1');
  });
});

describe('Function: formatShowTime', () => {
  it('writes the start in the given zone and names the zone', () => {
    const time = formatShowTime('en', '2026-12-12T19:30:00Z', 'Europe/Rome');
    expect(nbsp(time)).toMatch(/Sat,? 12 Dec 2026,? 20:30 CET/);
    expect(nbsp(formatShowTime('en', '2026-12-12T19:30:00Z', 'America/New_York'))).toMatch(
      /14:30 (EST|GMT-5)/,
    );
  });

  it('gives back what it cannot read', () => {
    expect(formatShowTime('en', 'not a date')).toBe('not a date');
  });
});

describe('Function: formatMoment', () => {
  it('leaves the date out on the same day and adds it otherwise', () => {
    const now = new Date('2026-12-12T20:00:00Z');
    expect(nbsp(formatMoment('en', '2026-12-12T19:31:05Z', now, 'UTC'))).toBe('19:31:05 UTC');
    expect(nbsp(formatMoment('en', '2026-12-10T19:31:05Z', now, 'UTC'))).toMatch(/10 Dec,? 19:31:05 UTC/);
  });
});

describe('Function: seatsKey', () => {
  it('says sold out, one seat, or how many', () => {
    expect(seatsKey(0)).toEqual({ key: 'soldOut', count: 0 });
    expect(seatsKey(-1).key).toBe('soldOut');
    expect(seatsKey(1)).toEqual({ key: 'oneSeatLeft', count: 1 });
    expect(seatsKey(7)).toEqual({ key: 'seatsLeft', count: 7 });
  });
});

const show = (over: Partial<Show>): Show => ({
  id: '01HZX3K4M5N6P7Q8R9S0T1V2W3',
  title: 'Premiere',
  description: null,
  startsAt: '2026-12-12T19:30:00Z',
  capacity: 10,
  seatsAvailable: 3,
  price: { amount: 1500, currency: 'eur' },
  videoId: null,
  status: 'on_sale',
  ...over,
});

describe('Function: showState and buyable', () => {
  it('takes the API’s state, else derives it from status and start', () => {
    const now = Date.parse('2026-12-10T00:00:00Z');
    expect(showState(show({ state: 'live' }), now)).toBe('live');
    expect(showState(show({}), now)).toBe('upcoming');
    expect(showState(show({ status: 'cancelled' }), now)).toBe('cancelled');
    expect(showState(show({ startsAt: '2026-12-01T00:00:00Z', videoId: 'v' }), now)).toBe('on_demand');
    expect(showState(show({ startsAt: '2026-12-01T00:00:00Z' }), now)).toBe('ended');
  });

  it('sells only what is on sale with seats left', () => {
    expect(buyable(show({ state: 'upcoming', onSale: true }))).toBe(true);
    expect(buyable(show({ state: 'upcoming', onSale: true, seatsAvailable: 0 }))).toBe(false);
    expect(buyable(show({ state: 'upcoming', onSale: false }))).toBe(false);
  });
});

describe('Function: tabFrom and ticketShow', () => {
  it('reads the catalogue tab from the address, upcoming otherwise', () => {
    expect(tabFrom('live')).toBe('live');
    expect(tabFrom('on_demand')).toBe('on_demand');
    expect(tabFrom('<script>')).toBe('upcoming');
    expect(tabFrom(undefined)).toBe('upcoming');
  });

  it('reads a ticket’s show from either API shape', () => {
    const base = {
      id: 't',
      seat: 1,
      status: 'valid' as const,
      revokedReason: null,
      checkedInAt: null,
      issuedAt: '',
    };
    expect(ticketShow({ ...base, showId: 's', showTitle: 'A', showStartsAt: 'x' })).toEqual({
      id: 's',
      title: 'A',
      startsAt: 'x',
    });
    expect(ticketShow({ ...base, show: { id: 's2', title: 'B', startsAt: 'y' } })).toEqual({
      id: 's2',
      title: 'B',
      startsAt: 'y',
    });
  });
});

describe('Function: withToken, sameStream, renewDelayMs', () => {
  const old = 'https://edge.example/t/1765000000_01HZX3K4M5N6P7Q8R9S0T1V2W3_aa/videos/V/master.m3u8';
  const fresh = 'https://edge.example/t/1765000600_01HZX3K4M5N6P7Q8R9S0T1V2W3_bb/videos/V/master.m3u8';

  it('moves a segment request onto the renewed token and leaves the rest of the URL alone', () => {
    const segment =
      'https://edge.example/t/1765000000_01HZX3K4M5N6P7Q8R9S0T1V2W3_aa/videos/V/720p/seg-00007.m4s';
    expect(withToken(segment, tokenOf(fresh))).toBe(
      'https://edge.example/t/1765000600_01HZX3K4M5N6P7Q8R9S0T1V2W3_bb/videos/V/720p/seg-00007.m4s',
    );
    expect(withToken('https://edge.example/videos/V/x.m4s', 'abc')).toBe(
      'https://edge.example/videos/V/x.m4s',
    );
    expect(withToken(segment, null)).toBe(segment);
  });

  it('tells a renewed URL of the same stream from another stream', () => {
    expect(sameStream(old, fresh)).toBe(true);
    expect(sameStream(old, fresh.replace('/videos/V/', '/videos/W/'))).toBe(false);
  });

  it('renews halfway, at least 5 s before the end, never sooner than 1 s, and at least every 30 s (the ticket check)', () => {
    const now = Date.parse('2026-12-12T20:00:00Z');
    expect(renewDelayMs('2026-12-12T20:10:00Z', now)).toBe(30_000);
    expect(renewDelayMs('2026-12-12T20:00:50Z', now)).toBe(25_000);
    expect(renewDelayMs('2026-12-12T20:00:08Z', now)).toBe(3_000);
    expect(renewDelayMs('2026-12-12T19:59:00Z', now)).toBe(1_000);
    expect(renewDelayMs('soon', now)).toBe(30_000);
  });
});

describe('Function: doorRefusal', () => {
  it('says why the door refuses, from the check-in problem', () => {
    const problem = (code: string, status = 409, more: Record<string, unknown> = {}) => ({
      type: `https://forgecast.dev/problems/${code.replaceAll('_', '-')}`,
      title: code,
      status,
      code,
      ...more,
    });
    expect(doorRefusal(problem('already_checked_in', 409, { checkedInAt: '2026-12-12T19:31:00Z' }))).toEqual({
      kind: 'already-checked-in',
      at: '2026-12-12T19:31:00Z',
    });
    expect(doorRefusal(problem('wrong_show'))).toEqual({ kind: 'wrong-show' });
    expect(doorRefusal(problem('ticket_revoked'))).toEqual({ kind: 'revoked' });
    expect(doorRefusal(problem('invalid_ticket_code', 403))).toEqual({ kind: 'invalid' });
    expect(doorRefusal(problem('malformed_ticket_code', 400))).toEqual({ kind: 'invalid' });
    expect(doorRefusal(problem('ticket_not_found', 404))).toEqual({ kind: 'unknown' });
    expect(doorRefusal(problem('not_your_show', 403))).toEqual({ kind: 'not-yours' });
    expect(doorRefusal({ type: 'about:blank', title: 'Bad', status: 400 })).toEqual({ kind: 'invalid' });
    expect(doorRefusal({ type: 'about:blank', title: 'Unavailable', status: 503 })).toBeNull();
  });
});

describe('Function: decide, isCreator, navigable', () => {
  const session = (scopes: string[]): Session => ({
    user: { id: 'u', email: 'a@b.c', name: 'A', locale: null },
    organisation: null,
    role: null,
    scopes,
    memberships: [],
    idleExpiresAt: '',
    expiresAt: '',
  });

  it('opens public pages to all, personal pages to people signed in, creator pages to shows:write', () => {
    expect(decide('public', null)).toBe('open');
    expect(decide('session', null)).toBe('sign-in');
    expect(decide('session', session(['tickets:read']))).toBe('open');
    expect(decide('creator', null)).toBe('sign-in');
    expect(decide('creator', session(['tickets:read']))).toBe('refused');
    expect(decide('creator', session(['shows:write']))).toBe('open');
    expect(isCreator(session(['admin']))).toBe(true);
  });

  it('shows the studio in the navigation to creators only', () => {
    const routes = [
      { path: '/shows', access: 'public' as const, nav: {} },
      { path: '/tickets', access: 'session' as const, nav: {} },
      { path: '/studio', access: 'creator' as const, nav: {} },
      { path: '/door/:id', access: 'creator' as const },
    ];
    expect(navigable(routes, null).map((r) => r.path)).toEqual(['/shows', '/tickets']);
    expect(navigable(routes, session(['shows:write'])).map((r) => r.path)).toEqual([
      '/shows',
      '/tickets',
      '/studio',
    ]);
  });
});

describe('Function: showsProblemSentence', () => {
  it('has words for sold out and no ticket, and leaves the rest to the portal', () => {
    expect(showsProblemSentence({ type: 'x', code: 'sold_out' }, 'en')).toMatch(/^Sold out/);
    expect(showsProblemSentence({ type: 'https://forgecast.dev/problems/no-valid-ticket' }, 'it')).toMatch(
      /biglietto/,
    );
    expect(showsProblemSentence({ type: 'about:blank' }, 'en')).toBeUndefined();
  });
});
