import { dayRangeQuerySchema } from '#shared/day-range.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { creatorInsights, designerInsights, platformInsights } from '#shared/insights/insights.ts';
import { type ApiRequest, validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requireOrganisation, requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { WarehouseUnavailableError } from '#shared/warehouse/warehouse.ts';
import { warehouseFromConfig } from '#shared/warehouse/warehouse-from-config.ts';
import { loadInsightsConfig } from './config.ts';
import { insightsManifest } from './manifest.ts';

const config = loadInsightsConfig();
const warehouse = warehouseFromConfig(config);

/**
 * Dashboards change as events arrive, about a second behind; five seconds of the browser's cache
 * spare the warehouse a query per redraw (a period switch and back) without hiding a sale the
 * person just made for long. Private: the answer is one organisation's.
 */
const CACHE_CONTROL = 'private, max-age=5';

/** The warehouse down or slow is a 503 the portal retries, never a 500. */
async function fromWarehouse<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (cause) {
    if (cause instanceof WarehouseUnavailableError) {
      throw new DependencyUnavailableError('The warehouse is unavailable; try again shortly', { cause });
    }
    throw cause;
  }
}

const rangeOf = (req: ApiRequest) => validate(dayRangeQuerySchema, req.query, 'query');

export const handler = httpFunction(insightsManifest, () => ({
  getCreatorInsights: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'shows:write', 'videos:read');
    const orgId = requireOrganisation(principal);
    const range = rangeOf(req);
    res
      .set('Cache-Control', CACHE_CONTROL)
      .json(await fromWarehouse(() => creatorInsights(warehouse, orgId, range)));
  },

  getDesignerInsights: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'designs:read');
    const orgId = requireOrganisation(principal);
    const range = rangeOf(req);
    res
      .set('Cache-Control', CACHE_CONTROL)
      .json(await fromWarehouse(() => designerInsights(warehouse, orgId, range)));
  },

  getPlatformInsights: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'admin');
    const range = rangeOf(req);
    res
      .set('Cache-Control', CACHE_CONTROL)
      .json(await fromWarehouse(() => platformInsights(warehouse, range)));
  },
}));
