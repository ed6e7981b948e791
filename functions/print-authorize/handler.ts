import { QUEUES } from '#events/queues.ts';
import { keyWrapperFromConfig } from '#shared/crypto/key-wrapper-from-config.ts';
import { createPool } from '#shared/db/pool.ts';
import { NotFoundError } from '#shared/errors.ts';
import { completePrint, findPrintJob, listHolderPrintJobs } from '#shared/licenses/print-ledger.ts';
import { processMetrics } from '#shared/metrics/metrics-from-config.ts';
import { workQueueFromConfig } from '#shared/queue/queue-from-config.ts';
import { parseJsonBody, validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { loadPrintAuthorizeConfig } from './config.ts';
import { createDownloadPresigner } from './download-presigner.ts';
import { grantAlreadyUsed, grantExpired } from './errors.ts';
import { createGrantIssuer } from './grant-issuer.ts';
import { printAuthorizeManifest } from './manifest.ts';
import { presentPrintJob } from './present.ts';
import { printerOf, requirePrinter } from './printer-principal.ts';
import {
  authorizePrintSchema,
  completePrintSchema,
  idSchema,
  listPrintJobsQuerySchema,
  MAX_BODY_BYTES,
} from './schema.ts';
import { nudgeSettlement } from './settlement-nudge.ts';

const config = loadPrintAuthorizeConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 3, multipleStatements: true }); // authorizePrint: one round trip
const settlement = workQueueFromConfig(config, QUEUES.settlement, pool);
const grants = createGrantIssuer({
  pool,
  presignDownload: createDownloadPresigner({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
  }),
  keys: keyWrapperFromConfig(config),
  vaultBucket: config.VAULT_BUCKET,
  grantTtlSeconds: config.GRANT_TTL_SECONDS,
  downloadTtlSeconds: config.DOWNLOAD_URL_TTL_SECONDS,
  metrics: processMetrics().with({ function: printAuthorizeManifest.name }),
});

export const handler = httpFunction(printAuthorizeManifest, () => ({
  authorizePrint: async (req, res) => {
    const printer = requirePrinter(requirePrincipal(req));
    const input = parseJsonBody(req, authorizePrintSchema, MAX_BODY_BYTES);
    const grant = await grants.issue(printer, input.licenseId);
    // The content key is in this answer and nowhere else: no cache may keep it.
    res.status(201).location(`/v1/print-jobs/${grant.jobId}`).set('Cache-Control', 'no-store').json(grant);
  },

  completePrintJob: async (req, res) => {
    const printer = requirePrinter(requirePrincipal(req));
    const jobId = validate(idSchema, req.params.id, 'path');
    const input = parseJsonBody(req, completePrintSchema, MAX_BODY_BYTES);
    const completion = await completePrint(pool, {
      jobId,
      printerId: printer.printerId,
      outcome: input.outcome,
      ...(input.reason ? { reason: input.reason } : {}),
    });
    switch (completion.kind) {
      case 'not_found':
        throw new NotFoundError(`No print job ${jobId}`);
      case 'already_used':
        throw grantAlreadyUsed(completion.state);
      case 'expired':
        throw grantExpired();
      case 'completed':
        if (completion.job.counted) await nudgeSettlement(settlement, jobId);
        res.json(presentPrintJob(completion.job));
    }
  },

  // The holder's view of its prints; a printer credential (prints:authorize only) is refused.
  listPrintJobs: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'licenses:read');
    const query = validate(listPrintJobsQuerySchema, req.query, 'query');
    const page = await listHolderPrintJobs(pool, principal.orgId, {
      limit: query.limit,
      ...(query.cursor === undefined ? {} : { before: query.cursor }),
      ...(query.licenseId === undefined ? {} : { licenseId: query.licenseId }),
    });
    res.json({ items: page.items.map(presentPrintJob), nextCursor: page.next });
  },

  getPrintJob: async (req, res) => {
    const principal = requirePrincipal(req);
    const jobId = validate(idSchema, req.params.id, 'path');
    const printer = printerOf(principal);
    if (!printer) requireScope(principal, 'licenses:read');
    const job = await findPrintJob(pool, jobId);
    const visible = printer ? job?.printerId === printer.printerId : job?.orgId === principal.orgId;
    if (!job || !visible) throw new NotFoundError(`No print job ${jobId}`);
    res.json(presentPrintJob(job));
  },
}));
