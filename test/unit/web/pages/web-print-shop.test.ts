import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_PUBLIC_KEY_PEM_BYTES as API_MAX_PEM_BYTES,
  parsePrinterPublicKey,
} from '#shared/printers/printer-public-key.ts';
import {
  checkPublicKeyPem,
  fileTooLarge,
  MAX_PUBLIC_KEY_PEM_BYTES,
} from '../../../../web/src/pages/print-shop/public-key-pem.ts';
import { jobOutcome, printJobsPath } from '../../../../web/src/pages/print-shop/shop-api.ts';

const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits });
const rsa2048 = rsa(2048);
const publicPem = rsa2048.publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('Module: web print-shop public-key-pem', () => {
  describe('Function: checkPublicKeyPem', () => {
    it('accepts an RSA SubjectPublicKeyInfo PEM and gives it back in the form the API parses', async () => {
      // Act
      const check = await checkPublicKeyPem(publicPem);

      // Assess
      expect(check).toMatchObject({ ok: true, bits: 2048 });
      if (!check.ok) throw new Error('accepted above');
      expect(parsePrinterPublicKey(check.pem).sha256).toEqual(parsePrinterPublicKey(publicPem).sha256);
    });

    it('tidies a pasted key with CRLF line ends, indentation and text around it', async () => {
      // Prepare
      const messy = `Printer key:\r\n  ${publicPem.trim().split('\n').join('\r\n   ')}\r\n(end)`;

      // Act
      const check = await checkPublicKeyPem(messy);

      // Assess
      expect(check.ok).toBe(true);
      if (check.ok) expect(parsePrinterPublicKey(check.pem).pem).toBe(parsePrinterPublicKey(publicPem).pem);
    });

    it('refuses a private key before it can be uploaded', async () => {
      // Prepare
      const pkcs8 = rsa2048.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const pkcs1 = rsa2048.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

      // Act + Assess: even with the public key beside it in the same file
      expect(await checkPublicKeyPem(pkcs8)).toEqual({ ok: false, problem: 'private-key' });
      expect(await checkPublicKeyPem(`${publicPem}${pkcs1}`)).toEqual({ ok: false, problem: 'private-key' });
    });

    it('names a certificate, the PKCS #1 form and several keys in one file', async () => {
      // Prepare
      const pkcs1Public = rsa2048.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();

      // Act + Assess
      expect(await checkPublicKeyPem('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----')).toEqual(
        {
          ok: false,
          problem: 'certificate',
        },
      );
      expect(await checkPublicKeyPem(pkcs1Public)).toEqual({ ok: false, problem: 'pkcs1' });
      expect(await checkPublicKeyPem(`${publicPem}${publicPem}`)).toEqual({
        ok: false,
        problem: 'several-keys',
      });
      expect(await checkPublicKeyPem('ssh-rsa AAAAB3NzaC1yc2E printer@bay3')).toEqual({
        ok: false,
        problem: 'not-pem',
      });
      expect(await checkPublicKeyPem('   ')).toEqual({ ok: false, problem: 'empty' });
    });

    it('refuses a key that is not RSA, one too short and one whose contents are damaged', async () => {
      // Prepare
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .publicKey.export({ type: 'spki', format: 'pem' })
        .toString();
      const short = rsa(1024).publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const lines = publicPem.trim().split('\n');
      const damaged = [lines[0], `${lines[1]?.slice(0, 30)}!!${lines[1]?.slice(32)}`, ...lines.slice(2)].join(
        '\n',
      );
      const truncated = [...lines.slice(0, 3), lines.at(-1)].join('\n');

      // Act + Assess
      expect(await checkPublicKeyPem(ec)).toEqual({ ok: false, problem: 'not-rsa' });
      expect(await checkPublicKeyPem(short)).toEqual({ ok: false, problem: 'key-too-short', bits: 1024 });
      expect(await checkPublicKeyPem(damaged)).toEqual({ ok: false, problem: 'malformed' });
      expect(await checkPublicKeyPem(truncated)).toEqual({ ok: false, problem: 'malformed' });
    });

    it('bounds the text as the API does and refuses a large file by its size alone', async () => {
      // Act + Assess
      expect(MAX_PUBLIC_KEY_PEM_BYTES).toBe(API_MAX_PEM_BYTES);
      expect(await checkPublicKeyPem(`${publicPem}${' '.repeat(5000)}x`)).toEqual({
        ok: false,
        problem: 'too-large',
      });
      expect(fileTooLarge(2_000)).toBe(false);
      expect(fileTooLarge(10 * 1024 * 1024)).toBe(true);
    });
  });
});

describe('Module: web print-shop shop-api', () => {
  it('tells a failed print given back from one that counted', () => {
    // Act + Assess
    expect(jobOutcome({ state: 'failed', refunded: true })).toBe('failed-refunded');
    expect(jobOutcome({ state: 'failed', refunded: false })).toBe('failed-counted');
    expect(jobOutcome({ state: 'succeeded', refunded: false })).toBe('succeeded');
  });

  it('asks for one license’s jobs only when a license is chosen', () => {
    // Act + Assess
    expect(printJobsPath('', null)).toBe('/print-jobs?limit=20');
    expect(printJobsPath('01KBZ8Q4Y7T0M8D1S9V6R2N3XD', 'C')).toBe(
      '/print-jobs?limit=20&licenseId=01KBZ8Q4Y7T0M8D1S9V6R2N3XD&cursor=C',
    );
  });
});
