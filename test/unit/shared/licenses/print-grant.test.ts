import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealedDesignAad } from '#shared/designs/design.ts';
import { newId } from '#shared/ids.ts';
import { shapeContentKey, shapeGrant } from '#shared/licenses/print-grant.ts';

describe('Module: print grant', () => {
  describe('Method: shapeContentKey', () => {
    it('is a 3MF Secure Content consumer key: RSA-OAEP, MGF1-SHA-256, SHA-256, AES-256-GCM params', () => {
      // Prepare
      const printerId = newId();
      const designId = newId();
      const parts = {
        printerId,
        printerKeyId: 'ab'.repeat(32),
        wrappedKey: randomBytes(256),
        iv: randomBytes(12),
        tag: randomBytes(16),
        aad: sealedDesignAad(designId),
      };

      // Act
      const key = shapeContentKey(parts);

      // Assess
      expect(key).toEqual({
        consumerId: printerId,
        keyId: 'ab'.repeat(32),
        wrappingAlgorithm: 'http://www.w3.org/2009/xmlenc11#rsa-oaep',
        mgfAlgorithm: 'http://www.w3.org/2009/xmlenc11#mgf1sha256',
        digestMethod: 'http://www.w3.org/2001/04/xmlenc#sha256',
        cipherValue: parts.wrappedKey.toString('base64'),
        cekParams: {
          encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
          iv: parts.iv.toString('base64'),
          tag: parts.tag.toString('base64'),
          aad: Buffer.from(designId).toString('base64'),
        },
      });
    });
  });

  describe('Method: shapeGrant', () => {
    it('gives ISO times and a GET download, and nothing beyond the documented members', () => {
      // Prepare
      const grantExpiresAt = new Date('2030-01-01T10:00:00.000Z');
      const downloadExpiresAt = new Date('2030-01-01T09:05:00.000Z');
      const contentKey = shapeContentKey({
        printerId: newId(),
        printerKeyId: '00'.repeat(32),
        wrappedKey: randomBytes(256),
        iv: randomBytes(12),
        tag: randomBytes(16),
        aad: sealedDesignAad(newId()),
      });

      // Act
      const grant = shapeGrant({
        jobId: 'job',
        serial: 'FC-x-000001',
        licenseId: 'license',
        designId: 'design',
        grantExpiresAt,
        downloadUrl: 'http://127.0.0.1:1/design-vault/designs/x/v1.bin?X-Amz-Signature=abc',
        downloadExpiresAt,
        contentKey,
      });

      // Assess
      expect(grant).toEqual({
        jobId: 'job',
        serial: 'FC-x-000001',
        licenseId: 'license',
        designId: 'design',
        expiresAt: '2030-01-01T10:00:00.000Z',
        download: {
          url: 'http://127.0.0.1:1/design-vault/designs/x/v1.bin?X-Amz-Signature=abc',
          method: 'GET',
          expiresAt: '2030-01-01T09:05:00.000Z',
        },
        contentKey,
      });
    });
  });

  describe('Method: sealedDesignAad', () => {
    it('is the design id in UTF-8, as ip-upload seals with', () => {
      // Prepare
      const designId = newId();

      // Act + Assess
      expect(sealedDesignAad(designId).equals(Buffer.from(designId))).toBe(true);
    });
  });
});
