/**
 * How a design's state reads to a person. Pure (no DOM) so unit tests run it on Node.
 */
import type { Tone } from '../../app/components/tone.ts';
import type { DesignFormat, DesignStatus } from './design-types.ts';

/** The largest file the API accepts (docs/api.md: sizeBytes ≤ 268435456). */
export const MAX_DESIGN_BYTES = 268_435_456;

const FORMATS: Readonly<Record<string, DesignFormat>> = { stl: 'stl', '3mf': '3mf', obj: 'obj' };

/** The format from the file's extension, or null when it is not one the platform takes. */
export function formatOfFile(fileName: string): DesignFormat | null {
  const dot = fileName.lastIndexOf('.');
  if (dot < 0) return null;
  return FORMATS[fileName.slice(dot + 1).toLowerCase()] ?? null;
}

/** A design name from a file name: without its extension, at most 200 characters (the API's limit). */
export function nameFromFile(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const base = (dot > 0 ? fileName.slice(0, dot) : fileName).trim();
  return base.slice(0, 200);
}

export function isFinished(status: DesignStatus): boolean {
  return status === 'registered' || status === 'rejected';
}

export function statusTone(status: DesignStatus): Tone {
  switch (status) {
    case 'registered':
      return 'success';
    case 'rejected':
      return 'danger';
    case 'awaiting_upload':
      return 'neutral';
    default:
      return 'info';
  }
}

/** Message key of a status (designer messages: `status.<status>`). */
export function statusKey(status: DesignStatus): `status.${DesignStatus}` {
  return `status.${status}`;
}

export type RejectionKey =
  | 'rejection.duplicate_design'
  | 'rejection.fingerprint_on_chain'
  | 'rejection.size_mismatch'
  | 'rejection.upload_missing'
  | 'rejection.stl'
  | 'rejection.obj'
  | 'rejection.3mf'
  | 'rejection.zip'
  | 'rejection.other';

/**
 * Which sentence explains a rejection: the known codes each have one; mesh and package problems
 * are named by their prefix (`stl-syntax` → the STL file is not valid), with the server's reason
 * shown beside it for the detail.
 */
export function rejectionKey(code: string): RejectionKey {
  switch (code) {
    case 'duplicate_design':
    case 'fingerprint_on_chain':
    case 'size_mismatch':
    case 'upload_missing':
      return `rejection.${code}`;
  }
  const prefix = code.split('-')[0];
  if (prefix === 'stl' || prefix === 'obj' || prefix === '3mf' || prefix === 'zip')
    return `rejection.${prefix}`;
  return 'rejection.other';
}

/** An organisation id as the API names it (a ULID: 26 of Crockford's base-32 letters). */
export function isOrgId(value: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(value);
}
