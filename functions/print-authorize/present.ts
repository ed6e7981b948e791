import type { PrintJob } from '#shared/licenses/print-job.ts';

/** The public shape of a print job, for its printer and the license holder. */
export function presentPrintJob(job: PrintJob) {
  return {
    id: job.id,
    serial: job.serial,
    licenseId: job.licenseId,
    printerId: job.printerId,
    state: job.state,
    counted: job.counted,
    refunded: job.refunded,
    failureReason: job.failureReason,
    grantedAt: job.grantedAt.toISOString(),
    grantExpiresAt: job.grantExpiresAt.toISOString(),
    completedAt: job.completedAt?.toISOString() ?? null,
    settled: job.settledAt !== null,
    settledAt: job.settledAt?.toISOString() ?? null,
  };
}
