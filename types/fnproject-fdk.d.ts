// The FDK ships no types; these cover the parts forgecast uses (see platform-facts.md).
declare module '@fnproject/fdk' {
  import type { Readable } from 'node:stream';

  export interface HttpGatewayContext {
    readonly requestURL: string | null;
    readonly method: string | null;
    /** Client headers, prefix stripped, canonical first-caps names, always arrays. */
    readonly headers: Record<string, string[]>;
    getHeader(key: string): string | null;
    statusCode: number;
    setResponseHeader(key: string, ...values: string[]): void;
    addResponseHeader(key: string, ...values: string[]): void;
  }

  export interface FnContext {
    readonly callID: string | null;
    readonly deadline: Date | null;
    readonly fnName: string | undefined;
    readonly appName: string | undefined;
    readonly memory: number;
    readonly contentType: string | null;
    readonly headers: Record<string, string[]>;
    getHeader(key: string): string | null;
    getAllHeaderValues(key: string): string[];
    setResponseHeader(key: string, ...values: string[]): void;
    addResponseHeader(key: string, ...values: string[]): void;
    responseContentType: string | null;
    readonly httpGateway: HttpGatewayContext;
  }

  export interface FnResult {
    readonly __fnResult: true;
  }

  export type FnHandler = (input: Buffer, ctx: FnContext) => Promise<FnResult> | FnResult;

  export function handle(fn: FnHandler, options: { inputMode: 'buffer' }): () => void;
  export function rawResult(result: string | Buffer): FnResult;
  export function streamResult(stream: Readable): FnResult;
}
