import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidPrinterKeyError, parsePrinterPublicKey } from '#shared/printers/printer-public-key.ts';

const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits });

describe('Module: printer public key', () => {
  describe('Method: parsePrinterPublicKey', () => {
    it('accepts a 2048-bit RSA SPKI PEM and names it by the SHA-256 of its DER', () => {
      // Prepare
      const { publicKey } = rsa(2048);
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

      // Act
      const parsed = parsePrinterPublicKey(`\n${pem}\n`);

      // Assess
      expect(parsed.key.asymmetricKeyType).toBe('rsa');
      expect(parsed.pem).toBe(pem);
      const der = publicKey.export({ type: 'spki', format: 'der' });
      expect(parsed.sha256.equals(createHash('sha256').update(der).digest())).toBe(true);
    });

    it.each([
      ['a 1024-bit RSA key', rsa(1024).publicKey.export({ type: 'spki', format: 'pem' }), /2048.*1024/],
      [
        'an Ed25519 key',
        generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }),
        /must be RSA.*ed25519/,
      ],
      [
        'an RSA private key',
        rsa(2048).privateKey.export({ type: 'pkcs8', format: 'pem' }),
        /BEGIN PUBLIC KEY/,
      ],
      [
        'two PEM blocks',
        `${rsa(2048).publicKey.export({ type: 'spki', format: 'pem' })}`.repeat(2),
        /one SubjectPublicKeyInfo/,
      ],
      ['base64 that is no key', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', /well-formed/],
      [
        'more than 4 KiB',
        `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(5000)}\n-----END PUBLIC KEY-----`,
        /4096/,
      ],
    ])('refuses %s with a message that says why', (_what, pem, reason) => {
      // Act
      let error: unknown;
      try {
        parsePrinterPublicKey(String(pem));
      } catch (err) {
        error = err;
      }

      // Assess
      expect(error).toBeInstanceOf(InvalidPrinterKeyError);
      expect((error as InvalidPrinterKeyError).status).toBe(400);
      expect((error as InvalidPrinterKeyError).extensions).toEqual({ code: 'invalid_public_key' });
      expect((error as Error).message).toMatch(reason);
    });
  });
});
