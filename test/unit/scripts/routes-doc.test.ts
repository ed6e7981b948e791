import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_PATH_PREFIX } from '#shared/runtime/openapi.ts';
import {
  ARCHITECTURE_PATH,
  catalogManifests,
  ROUTES_BEGIN,
  ROUTES_END,
  renderRouteTable,
  withRouteTable,
} from '../../../scripts/generate-routes-doc.ts';

describe('Script: generate-routes-doc', () => {
  it('keeps the route table in docs/architecture.md up to date', () => {
    const document = readFileSync(ARCHITECTURE_PATH, 'utf8');
    expect(
      withRouteTable(document, renderRouteTable(catalogManifests())) === document,
      'the route table in docs/architecture.md is stale: run npm run docs:routes',
    ).toBe(true);
  });

  it('names every function, every route with its full path, and every schedule of the catalog', () => {
    const table = renderRouteTable(catalogManifests());
    for (const manifest of catalogManifests()) {
      expect(table).toContain(`| \`${manifest.name}\` | ${manifest.kind} |`);
      for (const route of manifest.routes) {
        const fullPath = route.root === true ? route.path : `${API_PATH_PREFIX}${route.path}`;
        expect(table).toContain(`\`${route.method} ${fullPath}\``);
      }
      for (const schedule of manifest.schedules ?? []) {
        expect(table).toContain(`schedule \`${schedule.name}\` (every ${schedule.everySeconds} s)`);
      }
    }
  });

  it('replaces only what lies between the markers, and refuses a document without them', () => {
    const document = `before\n${ROUTES_BEGIN}\nold\n${ROUTES_END}\nafter\n`;
    expect(withRouteTable(document, `${ROUTES_BEGIN}\nnew\n${ROUTES_END}`)).toBe(
      `before\n${ROUTES_BEGIN}\nnew\n${ROUTES_END}\nafter\n`,
    );
    expect(() => withRouteTable('no markers here', 'table')).toThrow(/needs exactly one/);
    expect(() => withRouteTable(`${document}${document}`, 'table')).toThrow(/needs exactly one/);
  });
});
