/** Mesh metrics as stored (JSON column) and shown by the API. */
export interface MeshMetricsRecord {
  readonly format: string;
  readonly variant: string;
  readonly triangleCount: number;
  readonly vertexCount: number | null;
  readonly boundingBox: { readonly min: readonly number[]; readonly max: readonly number[] };
  readonly units: string;
  readonly volume: number;
  readonly surfaceArea: number;
}
