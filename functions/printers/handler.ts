import { createPool } from '#shared/db/pool.ts';
import { NotFoundError } from '#shared/errors.ts';
import { findOrgPrinter, listOrgPrinters, retirePrinter } from '#shared/printers/printer-repository.ts';
import { parseJsonBody, validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { loadPrintersConfig } from './config.ts';
import { printersManifest } from './manifest.ts';
import { presentPrinter } from './present.ts';
import { registerPrinter, rotatePrinterCredential } from './registration.ts';
import { listQuerySchema, MAX_REGISTRATION_BYTES, printerIdSchema, registerPrinterSchema } from './schema.ts';

const config = loadPrintersConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });

export const handler = httpFunction(printersManifest, () => ({
  registerPrinter: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'printers:write');
    const input = parseJsonBody(req, registerPrinterSchema, MAX_REGISTRATION_BYTES);
    const { printerId, credential } = await registerPrinter(pool, principal.orgId, input);
    const printer = await findOrgPrinter(pool, principal.orgId, printerId);
    if (!printer) throw new Error('printer vanished after insert');
    res
      .status(201)
      .location(`/v1/printers/${printerId}`)
      .set('Cache-Control', 'no-store')
      .json({ ...presentPrinter(printer), credential });
  },

  listPrinters: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'printers:write', 'licenses:read');
    const query = validate(listQuerySchema, req.query, 'query');
    const page = await listOrgPrinters(pool, principal.orgId, {
      limit: query.limit,
      ...(query.cursor ? { before: query.cursor } : {}),
    });
    res.json({ items: page.items.map(presentPrinter), nextCursor: page.next });
  },

  getPrinter: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'printers:write', 'licenses:read');
    const id = validate(printerIdSchema, req.params.id, 'path');
    const printer = await findOrgPrinter(pool, principal.orgId, id);
    if (!printer) throw new NotFoundError(`No printer ${id}`);
    res.json(presentPrinter(printer));
  },

  retirePrinter: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'printers:write');
    const id = validate(printerIdSchema, req.params.id, 'path');
    if (!(await retirePrinter(pool, principal.orgId, id))) throw new NotFoundError(`No active printer ${id}`);
    res.status(204).end();
  },

  rotatePrinterCredential: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'printers:write');
    const id = validate(printerIdSchema, req.params.id, 'path');
    const credential = await rotatePrinterCredential(pool, principal.orgId, id);
    if (!credential) throw new NotFoundError(`No active printer ${id}`);
    res.set('Cache-Control', 'no-store').json({ id, credential });
  },
}));
