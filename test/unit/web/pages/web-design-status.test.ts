import { describe, expect, it } from 'vitest';
import {
  formatOfFile,
  isFinished,
  isOrgId,
  nameFromFile,
  rejectionKey,
  statusKey,
  statusTone,
} from '../../../../web/src/pages/designer/design-status.ts';
import { messages } from '../../../../web/src/pages/designer/messages.ts';

describe('Module: web/src/pages/designer/design-status', () => {
  describe('Function: formatOfFile', () => {
    it('reads the format from the extension, in any case, and refuses the rest', () => {
      expect(formatOfFile('bracket.STL')).toBe('stl');
      expect(formatOfFile('gear.v2.3mf')).toBe('3mf');
      expect(formatOfFile('vase.obj')).toBe('obj');
      expect(formatOfFile('notes.txt')).toBeNull();
      expect(formatOfFile('stl')).toBeNull();
    });
  });

  describe('Function: nameFromFile', () => {
    it('drops the extension and keeps at most 200 characters', () => {
      expect(nameFromFile('bracket v2.stl')).toBe('bracket v2');
      expect(nameFromFile('.hidden')).toBe('.hidden');
      expect(nameFromFile(`${'x'.repeat(250)}.stl`)).toHaveLength(200);
    });
  });

  describe('Function: rejectionKey', () => {
    it('names known rejections and mesh problems by their family, each with words in both languages', () => {
      const codes = [
        'duplicate_design',
        'fingerprint_on_chain',
        'size_mismatch',
        'upload_missing',
        'stl-syntax',
        'obj-index-out-of-range',
        '3mf-malformed-xml',
        'zip-unsafe-entry-name',
        'something_new',
      ];

      const keys = codes.map(rejectionKey);

      expect(keys).toEqual([
        'rejection.duplicate_design',
        'rejection.fingerprint_on_chain',
        'rejection.size_mismatch',
        'rejection.upload_missing',
        'rejection.stl',
        'rejection.obj',
        'rejection.3mf',
        'rejection.zip',
        'rejection.other',
      ]);
      for (const key of keys) {
        expect(messages.en[key]).toBeTruthy();
        expect(messages.it[key]).toBeTruthy();
      }
    });
  });

  describe('Function: statusTone', () => {
    it('colours the end states and words every status in both languages', () => {
      const statuses = ['awaiting_upload', 'uploaded', 'validating', 'registered', 'rejected'] as const;

      expect(statuses.map(statusTone)).toEqual(['neutral', 'info', 'info', 'success', 'danger']);
      expect(statuses.filter(isFinished)).toEqual(['registered', 'rejected']);
      for (const status of statuses) {
        expect(messages.en[statusKey(status)]).toBeTruthy();
        expect(messages.it[statusKey(status)]).toBeTruthy();
      }
    });
  });

  describe('Function: isOrgId', () => {
    it('accepts a ULID and nothing else', () => {
      expect(isOrgId('01HZX3K4M5N6P7Q8R9S0T1V2W3')).toBe(true);
      expect(isOrgId('01hzx3k4m5n6p7q8r9s0t1v2w3')).toBe(false);
      expect(isOrgId('01HZX3K4M5N6P7Q8R9S0T1V2WI')).toBe(false); // I is not Crockford base-32
      expect(isOrgId('short')).toBe(false);
    });
  });
});
