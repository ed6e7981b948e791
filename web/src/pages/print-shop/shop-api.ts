/** What the print-shop pages read: printers and print jobs as the API answers them. Pure types and rules. */
import type { StateTone } from '../../app/license-view.ts';

export interface PrinterView {
  readonly id: string;
  readonly name: string;
  readonly status: 'active' | 'retired' | string;
  readonly publicKeyPem: string;
  readonly publicKeySha256: string;
  readonly createdAt: string;
  readonly retiredAt: string | null;
}

export interface PrintJobView {
  readonly id: string;
  readonly serial: string;
  readonly licenseId: string;
  readonly printerId: string;
  readonly state: 'granted' | 'succeeded' | 'failed' | 'expired';
  readonly counted: boolean;
  readonly refunded: boolean;
  readonly failureReason: string | null;
  readonly grantedAt: string;
  readonly grantExpiresAt: string;
  readonly completedAt: string | null;
  readonly settled: boolean;
  readonly settledAt: string | null;
}

export type JobOutcome = 'granted' | 'succeeded' | 'failed-counted' | 'failed-refunded' | 'expired';

/** A job's outcome as a person reads it: a failure either counted against the license or was given back. */
export function jobOutcome(job: Pick<PrintJobView, 'state' | 'refunded'>): JobOutcome {
  if (job.state === 'failed') return job.refunded ? 'failed-refunded' : 'failed-counted';
  return job.state;
}

export function jobOutcomeTone(outcome: JobOutcome): StateTone {
  switch (outcome) {
    case 'granted':
      return 'info';
    case 'succeeded':
      return 'success';
    case 'failed-counted':
      return 'danger';
    case 'failed-refunded':
    case 'expired':
      return 'warning';
  }
}

/** The page's query (`?license=`) for the print-job list, and the API path it asks. */
export function printJobsPath(licenseId: string, cursor: string | null, limit = 20): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (licenseId !== '') query.set('licenseId', licenseId);
  if (cursor) query.set('cursor', cursor);
  return `/print-jobs?${query.toString()}`;
}
