import { describe, expect, it } from 'vitest';
import { toDuckDbSql } from '#shared/warehouse/duckdb-warehouse.ts';
import { decodeParams, encodeParams } from '#shared/warehouse/local-warehouse.ts';

describe('Function: toDuckDbSql', () => {
  it('writes @name parameters as $name, outside literals, quoted names and comments', () => {
    // Act
    const sql = toDuckDbSql(
      "SELECT '@not', \"@col\", `@q`, 'it''s @x', @a -- @b\n, @@version /* @c */, @d_1 FROM t WHERE x=@e",
    );

    // Assess
    expect(sql).toBe(
      "SELECT '@not', \"@col\", `@q`, 'it''s @x', $a -- @b\n, @@version /* @c */, $d_1 FROM t WHERE x=$e",
    );
  });

  it('renames the BigQuery functions DuckDB calls otherwise, only where they are called', () => {
    // Act
    const sql = toDuckDbSql(
      "SELECT JSON_VALUE(payload, '$.a'), json_query (payload, '$.b'), SAFE_CAST(x AS INT64), json_value AS name, t.json_value(1), 'JSON_VALUE(' FROM t",
    );

    // Assess
    expect(sql).toBe(
      "SELECT json_extract_string(payload, '$.a'), json_extract (payload, '$.b'), TRY_CAST(x AS INT64), json_value AS name, t.json_value(1), 'JSON_VALUE(' FROM t",
    );
  });
});

describe('Function: decodeParams', () => {
  it('carries every parameter type over JSON and back', () => {
    // Arrange
    const params = { s: 'x', n: 3, f: 1.5, b: false, z: null, t: new Date('2026-12-07T10:00:00.123Z') };

    // Act
    const decoded = decodeParams(JSON.parse(JSON.stringify(encodeParams(params))));

    // Assess
    expect(decoded).toEqual(params);
  });

  it('refuses names that are not identifiers and values that are not scalars', () => {
    // Act / Assess
    expect(decodeParams({ 'a b': 1 })).toBeUndefined();
    expect(decodeParams({ a: [1] })).toBeUndefined();
    expect(decodeParams({ a: { timestamp: 'not a time' } })).toBeUndefined();
    expect(decodeParams([1])).toBeUndefined();
  });
});
