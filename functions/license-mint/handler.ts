import { log } from '#shared/base/log.ts';
import { createPool } from '#shared/db/pool.ts';
import { findOrgDesign } from '#shared/designs/design-repository.ts';
import { DependencyUnavailableError, ForbiddenError, NotFoundError } from '#shared/errors.ts';
import { findLatestReconciliation } from '#shared/ledger/reconciliation-reports.ts';
import { lazyLedgerConnection } from '#shared/licenses/ledger-connection.ts';
import type { License } from '#shared/licenses/license.ts';
import { advanceMint, type MintingDeps, refreshMint } from '#shared/licenses/license-minting.ts';
import { findLicense, listOrgLicenses } from '#shared/licenses/license-repository.ts';
import { pushRevocation, revokeLicense } from '#shared/licenses/license-revocation.ts';
import { processMetrics } from '#shared/metrics/metrics-from-config.ts';
import { type ApiResponse, parseJsonBody, validate } from '#shared/runtime/api.ts';
import type { Principal } from '#shared/runtime/auth-context.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { loadLicenseMintConfig } from './config.ts';
import { createOrFindLicense } from './create-license.ts';
import { licenseMintManifest } from './manifest.ts';
import { type OnChainView, presentLicense, presentListedLicense } from './present.ts';
import {
  createLicenseSchema,
  idempotencyKeySchema,
  licenseIdSchema,
  listQuerySchema,
  revokeSchema,
} from './schema.ts';

const config = loadLicenseMintConfig();
const pool = createPool(config.MYSQL_URL);

const connect = lazyLedgerConnection(pool, config);
const metrics = processMetrics().with({ function: licenseMintManifest.name });

async function minting(): Promise<MintingDeps> {
  const { relayer, ledger } = await connect();
  return { pool, relayer, ledger, metrics };
}

export const handler = httpFunction(licenseMintManifest, () => ({
  createLicense: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'licenses:write');
    const key = validate(idempotencyKeySchema, req.get('idempotency-key'), 'header');
    const input = parseJsonBody(req, createLicenseSchema);
    const { license, created } = await createOrFindLicense(pool, principal.orgId, key, input);
    if (!created) res.set('Idempotent-Replayed', 'true');
    let current = license;
    try {
      current = await advanceMint(await minting(), license.id, config.MINT_WAIT_MS);
    } catch (err) {
      if (!(err instanceof DependencyUnavailableError)) throw err;
      // Recorded and queued: the keeper mints it when the chain is back; a retry with the same
      // Idempotency-Key lands on this very license.
      log.warn('mint deferred: chain unavailable', { licenseId: license.id, error: err });
    }
    sendMintResult(res, current);
  },

  listLicenses: async (req, res) => {
    const principal = requirePrincipal(req);
    const query = validate(listQuerySchema, req.query, 'query');
    const page = await listOrgLicenses(pool, principal.orgId, {
      limit: query.limit,
      party: query.as,
      ...(query.cursor ? { before: query.cursor } : {}),
    });
    res.json({ items: page.items.map(presentListedLicense), nextCursor: page.next });
  },

  getLicense: async (req, res) => {
    const principal = requirePrincipal(req);
    let license = await visibleLicense(principal, validate(licenseIdSchema, req.params.id, 'path'));
    const live = req.query.chain === 'live';
    const awaitingReceipt = license.status === 'pending' && license.chain.mintTxId !== null;
    // A settled license is answered from MySQL alone: no chain client in a cold container for it.
    if (!live && !awaitingReceipt) {
      res.json(presentLicense(license));
      return;
    }
    let onChain: OnChainView | undefined;
    try {
      const deps = await minting();
      license = await refreshMint(deps, license);
      if (live) onChain = await readOnChain(deps, license);
    } catch (err) {
      if (!(err instanceof DependencyUnavailableError)) throw err;
      onChain = { reachable: false };
    }
    res.json(presentLicense(license, onChain));
  },

  revokeLicense: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'licenses:write');
    const license = await visibleLicense(principal, validate(licenseIdSchema, req.params.id, 'path'));
    if (!(await mayRevoke(principal, license))) {
      throw new ForbiddenError('Only the issuer or the design owner may revoke a license');
    }
    const { reason } = parseJsonBody(req, revokeSchema);
    await revokeLicense(pool, license, reason);
    const revoked = (await findLicense(pool, license.id)) ?? license;
    let onChain = 'pending';
    try {
      onChain = await pushRevocation(await minting(), revoked);
    } catch (err) {
      if (!(err instanceof DependencyUnavailableError)) throw err;
      log.warn('revocation not yet on chain: chain unavailable', { licenseId: license.id });
    }
    res.json({ ...presentLicense(revoked), revocationOnChain: onChain });
  },

  getLedgerReconciliation: async (req, res) => {
    requireScope(requirePrincipal(req), 'admin');
    const latest = await findLatestReconciliation(pool);
    if (!latest) throw new NotFoundError('The ledger has not been reconciled yet');
    res.json({ ...latest, ranAt: latest.ranAt.toISOString() });
  },
}));

function sendMintResult(res: ApiResponse, license: License): void {
  const location = `/v1/licenses/${license.id}`;
  const body = presentLicense(license);
  if (license.status === 'active') {
    res.status(201).location(location).json(body);
  } else if (license.status === 'pending') {
    res
      .status(202)
      .location(location)
      .set('Retry-After', '2')
      .json({ ...body, statusUrl: location });
  } else {
    res
      .status(422)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: 'https://forgecast.dev/problems/license-refused',
          title: 'The ledger refused the license',
          status: 422,
          detail: license.failureReason ?? 'The license could not be issued',
          code: 'license_refused',
          licenseId: license.id,
        }),
      );
  }
}

/** Issuer, holder and design owner may see a license; to anyone else it does not exist. */
async function visibleLicense(principal: Principal, id: string): Promise<License> {
  const license = await findLicense(pool, id);
  if (license && (license.issuerOrgId === principal.orgId || license.holderOrgId === principal.orgId)) {
    return license;
  }
  if (license && (await ownsDesign(principal.orgId, license.designId))) return license;
  throw new NotFoundError(`No license ${id}`);
}

async function mayRevoke(principal: Principal, license: License): Promise<boolean> {
  return license.issuerOrgId === principal.orgId || ownsDesign(principal.orgId, license.designId);
}

async function ownsDesign(orgId: string, designId: string): Promise<boolean> {
  return (await findOrgDesign(pool, orgId, designId)) !== undefined;
}

async function readOnChain(deps: MintingDeps, license: License): Promise<OnChainView> {
  if (license.chain.tokenId === null) return { reachable: true, exists: false };
  try {
    const record = await deps.ledger.licenseOf(license.chain.tokenId);
    return { reachable: true, exists: record.exists, printsUsed: record.printsUsed, revoked: record.revoked };
  } catch (err) {
    log.warn('ledger read failed', { licenseId: license.id, error: err });
    return { reachable: false };
  }
}
