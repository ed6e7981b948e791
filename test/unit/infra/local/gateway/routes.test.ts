import { describe, expect, it } from 'vitest';
import { type GatewayRoute, RouteTable } from '../../../../../infra/local/gateway/routes.ts';

const anonymous = { type: 'anonymous' } as const;
const route = (method: GatewayRoute['method'], path: string, functionName: string): GatewayRoute => ({
  method,
  path,
  auth: anonymous,
  functionName,
});

describe('Class: RouteTable', () => {
  describe('Method: match', () => {
    it('prefers a literal segment over a parameter and a parameter over a wildcard', () => {
      // Prepare: registered least specific first, so order of declaration cannot explain the result.
      const table = new RouteTable([
        route('GET', '/files/{rest*}', 'wildcard'),
        route('GET', '/files/{id}', 'param'),
        route('GET', '/files/latest', 'literal'),
      ]);

      // Act
      const literal = table.match('GET', '/files/latest');
      const param = table.match('GET', '/files/42');
      const wildcard = table.match('GET', '/files/a/b/c');

      // Assess
      expect(literal).toMatchObject({ kind: 'found', route: { functionName: 'literal' }, params: {} });
      expect(param).toMatchObject({ kind: 'found', route: { functionName: 'param' }, params: { id: '42' } });
      expect(wildcard).toMatchObject({
        kind: 'found',
        route: { functionName: 'wildcard' },
        params: { rest: 'a/b/c' },
      });
    });

    it('decodes percent-encoded parameters', () => {
      // Prepare
      const table = new RouteTable([route('GET', '/designs/{id}/files/{name*}', 'files')]);

      // Act
      const match = table.match('GET', '/designs/a%20b/files/dir%2Fx/%C3%A9.stl');

      // Assess
      expect(match).toEqual({
        kind: 'found',
        route: expect.objectContaining({ functionName: 'files' }),
        params: { id: 'a b', name: 'dir/x/é.stl' },
      });
    });

    it('keeps a malformed percent-escape raw instead of throwing', () => {
      // Prepare
      const table = new RouteTable([route('GET', '/designs/{id}', 'one')]);

      // Act
      const match = table.match('GET', '/designs/%E0%A4%A');

      // Assess
      expect(match).toMatchObject({ kind: 'found', params: { id: '%E0%A4%A' } });
    });

    it('answers method-not-allowed with the allowed methods', () => {
      // Prepare
      const table = new RouteTable([
        route('GET', '/designs/{id}', 'get'),
        route('DELETE', '/designs/{id}', 'delete'),
        route('POST', '/designs', 'create'),
      ]);

      // Act
      const match = table.match('PUT', '/designs/7');

      // Assess
      expect(match.kind).toBe('method-not-allowed');
      expect(match.kind === 'method-not-allowed' && [...match.allowed].sort()).toEqual(['DELETE', 'GET']);
    });

    it('accepts a trailing slash', () => {
      // Prepare
      const table = new RouteTable([route('GET', '/designs', 'list'), route('GET', '/designs/{id}', 'one')]);

      // Act
      const list = table.match('GET', '/designs/');
      const one = table.match('GET', '/designs/9/');

      // Assess
      expect(list).toMatchObject({ kind: 'found', route: { functionName: 'list' } });
      expect(one).toMatchObject({ kind: 'found', route: { functionName: 'one' }, params: { id: '9' } });
    });

    it('answers not-found when no path matches', () => {
      // Prepare
      const table = new RouteTable([route('GET', '/designs/{id}', 'one'), route('GET', '/health', 'health')]);

      // Act / Assess
      expect(table.match('GET', '/designs')).toEqual({ kind: 'not-found' });
      expect(table.match('GET', '/designs/1/extra')).toEqual({ kind: 'not-found' });
      expect(table.match('GET', '/healthz')).toEqual({ kind: 'not-found' });
      expect(table.match('GET', '/')).toEqual({ kind: 'not-found' });
    });

    it('treats regular-expression characters in literals literally', () => {
      // Prepare
      const table = new RouteTable([route('GET', '/v.1/a+b', 'dotted')]);

      // Act / Assess
      expect(table.match('GET', '/v.1/a+b').kind).toBe('found');
      expect(table.match('GET', '/vx1/aab').kind).toBe('not-found');
    });
  });

  describe('Method: methodsFor', () => {
    it('lists every method registered for a path', () => {
      // Prepare
      const table = new RouteTable([
        route('GET', '/designs/{id}', 'get'),
        route('PATCH', '/designs/{id}', 'patch'),
        route('GET', '/other', 'other'),
      ]);

      // Act
      const methods = table.methodsFor('/designs/3');

      // Assess
      expect(methods.sort()).toEqual(['GET', 'PATCH']);
    });
  });
});
