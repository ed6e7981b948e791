import type { Principal } from '#shared/runtime/auth-context.ts';
import { printersOnly } from './errors.ts';

export interface PrinterPrincipal {
  readonly printerId: string;
  readonly orgId: string;
}

const PRINTER_PRINCIPAL = /^printer:([0-9A-HJKMNP-TV-Z]{26})$/;

/** The calling printer, as the authorizer named it from an `fcp_` credential; API keys are refused. */
export function printerOf(principal: Principal): PrinterPrincipal | undefined {
  const match = PRINTER_PRINCIPAL.exec(principal.principal);
  if (!match || !principal.scopes.includes('prints:authorize')) return undefined;
  return { printerId: match[1] as string, orgId: principal.orgId };
}

export function requirePrinter(principal: Principal): PrinterPrincipal {
  const printer = printerOf(principal);
  if (!printer) throw printersOnly();
  return printer;
}
