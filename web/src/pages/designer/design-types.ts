/** A design as the API answers it (docs/api.md "designs"). Types only, no DOM. */
export type DesignFormat = 'stl' | '3mf' | 'obj';
export type DesignStatus = 'awaiting_upload' | 'uploaded' | 'validating' | 'registered' | 'rejected';

export interface Design {
  readonly id: string;
  readonly name: string;
  readonly format: DesignFormat;
  readonly status: DesignStatus;
  readonly rejection: { readonly code: string; readonly reason: string } | null;
  readonly declaredBytes: number;
  readonly fingerprint: { readonly algorithm: string; readonly value: string } | null;
  readonly sizeBytes: number | null;
  readonly metrics: {
    readonly format: string;
    readonly variant: string;
    readonly triangleCount: number;
    readonly vertexCount: number | null;
    readonly boundingBox: { readonly min: readonly number[]; readonly max: readonly number[] };
    readonly units: string;
    readonly volume: number;
    readonly surfaceArea: number;
  } | null;
  readonly warnings: readonly { readonly code: string; readonly message: string }[];
  readonly thumbnailUrl: string | null;
  readonly chainProof: {
    readonly chainId: number;
    readonly registry: string;
    readonly transactionHash: string;
    readonly blockNumber: number | null;
    readonly confirmed: boolean;
  } | null;
  readonly createdAt: string;
  readonly uploadedAt: string | null;
  readonly finishedAt: string | null;
}

export interface CreatedDesign extends Design {
  readonly upload: {
    readonly url: string;
    readonly method: 'PUT';
    readonly headers: Readonly<Record<string, string>>;
    readonly expiresAt: string;
  };
}
