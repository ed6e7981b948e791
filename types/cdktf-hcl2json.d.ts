/**
 * The one function the HCL tests use from @cdktf/hcl2json. The package's own declarations pull
 * in `lib.dom` (a `/// <reference lib="dom" />` in bridge.d.ts), which replaces Node's fetch
 * types for the whole program; tsconfig's `paths` points the import here instead.
 */
/** Parses one HCL file into Terraform's JSON form (every block a list). */
export function parse(filename: string, contents: string): Promise<Record<string, unknown>>;
