import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readConfig } from '#shared/config/config.ts';
import { ConfigError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { signTicketCode, ticketCodeConfig, verifyTicketCode } from '#shared/shows/ticket-code.ts';

const KEY = randomBytes(32);
const OLD_KEY = randomBytes(32);
const TICKET = newId();

/** Replaces one character of the tag with another valid base64url character. */
function flipTagCharacter(code: string, index: number): string {
  const dot = code.lastIndexOf('.');
  const tag = code.slice(dot + 1);
  const original = tag[index] as string;
  const replacement = original === 'A' ? 'B' : 'A';
  return `${code.slice(0, dot + 1)}${tag.slice(0, index)}${replacement}${tag.slice(index + 1)}`;
}

describe('ticket codes', () => {
  it('is FCT1.<ticketId>.<base64url of 16 bytes of HMAC-SHA256 over a domain-separated id>', () => {
    // Act
    const code = signTicketCode(TICKET, [KEY]);

    // Assess
    const expected = createHmac('sha256', KEY)
      .update(`forgecast ticket code\nFCT1\n${TICKET}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
    expect(code).toBe(`FCT1.${TICKET}.${expected}`);
    expect(code).toHaveLength(54);
  });

  it('verifies its own code, also with scanner whitespace around it', () => {
    const code = signTicketCode(TICKET, [KEY]);
    expect(verifyTicketCode(code, [KEY])).toEqual({ ok: true, ticketId: TICKET });
    expect(verifyTicketCode(` ${code}\r\n`, [KEY])).toEqual({ ok: true, ticketId: TICKET });
  });

  it('verifies a code signed with a retiring key while the new key signs', () => {
    // Prepare
    const printedLastMonth = signTicketCode(TICKET, [OLD_KEY]);

    // Act
    const verdict = verifyTicketCode(printedLastMonth, [KEY, OLD_KEY]);

    // Assess
    expect(verdict).toEqual({ ok: true, ticketId: TICKET });
    expect(signTicketCode(TICKET, [KEY, OLD_KEY])).toBe(signTicketCode(TICKET, [KEY]));
  });

  it('refuses a code signed with a key it does not hold', () => {
    const forged = signTicketCode(TICKET, [randomBytes(32)]);
    expect(verifyTicketCode(forged, [KEY, OLD_KEY])).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a tag altered in any one character', () => {
    const code = signTicketCode(TICKET, [KEY]);
    for (const index of [0, 10, 20]) {
      expect(verifyTicketCode(flipTagCharacter(code, index), [KEY])).toMatchObject({ ok: false });
    }
  });

  it('refuses the tag of one ticket put on another ticket id', () => {
    // Prepare
    const code = signTicketCode(TICKET, [KEY]);
    const otherTicket = newId();

    // Act
    const verdict = verifyTicketCode(code.replace(TICKET, otherTicket), [KEY]);

    // Assess
    expect(verdict).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('calls anything not shaped like a code malformed', () => {
    const code = signTicketCode(TICKET, [KEY]);
    const tag = code.split('.')[2] as string;
    for (const text of [
      '',
      'FCT1',
      `FCT2.${TICKET}.${tag}`,
      `FCT1.${TICKET.toLowerCase()}.${tag}`,
      `FCT1.${TICKET}`,
      `FCT1.${TICKET}.${tag}.extra`,
      `FCT1.${TICKET}.${tag}A`,
      `FCT1.${TICKET}.${tag.slice(1)}`,
      `FCT1.${TICKET}.${tag.slice(0, -1)}+`,
    ]) {
      expect(verifyTicketCode(text, [KEY])).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('accepts only the canonical spelling of a tag', () => {
    // Prepare: the last of 22 characters carries 2 bits of the tag and 4 spare ones, so flipping a
    // spare bit spells the same bytes differently.
    const code = signTicketCode(TICKET, [KEY]);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = code.at(-1) as string;
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] as string;
    const variant = `${code.slice(0, -1)}${sibling}`;

    // Act
    const verdict = verifyTicketCode(variant, [KEY]);

    // Assess
    expect(Buffer.from(variant.split('.')[2] as string, 'base64url')).toEqual(
      Buffer.from(code.split('.')[2] as string, 'base64url'),
    );
    expect(verdict).toEqual({ ok: false, reason: 'malformed' });
  });

  it('reads TICKET_CODE_KEY as a list of 32-byte keys and never echoes one', () => {
    const keys = readConfig(ticketCodeConfig, {
      TICKET_CODE_KEY: `${KEY.toString('hex')},${OLD_KEY.toString('base64')}`,
    }).TICKET_CODE_KEY;
    expect(keys.map((key) => Buffer.from(key))).toEqual([KEY, OLD_KEY]);

    const short = randomBytes(16).toString('hex');
    let error: unknown;
    try {
      readConfig(ticketCodeConfig, { TICKET_CODE_KEY: short });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(['TICKET_CODE_KEY']);
    expect((error as Error).message).not.toContain(short);
  });
});
