import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { configFields, readConfig } from '#shared/config/config.ts';
import { ConfigError } from '#shared/errors.ts';

const catchConfigError = (run: () => unknown): ConfigError => {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('Function: readConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('names a missing variable in the message and in variables', () => {
    // Prepare
    const shape = { DATABASE_URL: configFields.url, PORT: configFields.port };

    // Act
    const error = catchConfigError(() => readConfig(shape, { PORT: '8080' }));

    // Assess
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain('DATABASE_URL is required');
    expect(error.variables).toEqual(['DATABASE_URL']);
  });

  it('names every missing variable at once', () => {
    // Prepare
    const shape = { A_URL: configFields.url, B_PORT: configFields.port, C_LIST: configFields.csv };

    // Act
    const error = catchConfigError(() => readConfig(shape, {}));

    // Assess
    expect(error.variables).toEqual(['A_URL', 'B_PORT', 'C_LIST']);
    for (const name of ['A_URL', 'B_PORT', 'C_LIST']) expect(error.message).toContain(`${name} is required`);
  });

  it.each([
    ['empty', ''],
    ['whitespace', '   \t '],
  ])('treats an %s string as missing', (_label, value) => {
    // Prepare
    const shape = { API_TOKEN: z.string() };

    // Act
    const error = catchConfigError(() => readConfig(shape, { API_TOKEN: value }));

    // Assess
    expect(error.message).toContain('API_TOKEN is required');
    expect(error.variables).toEqual(['API_TOKEN']);
  });

  it('names an invalid value without echoing it', () => {
    // Prepare
    const secret = 'hunter2-super-secret-value';
    const shape = { SIGNING_URL: configFields.url, FEATURE_ON: configFields.boolean };

    // Act
    const error = catchConfigError(() => readConfig(shape, { SIGNING_URL: secret, FEATURE_ON: secret }));

    // Assess
    expect(error.message).toContain('SIGNING_URL is invalid');
    expect(error.message).toContain('FEATURE_ON is invalid');
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('hunter2');
    expect(error.variables).toEqual(['SIGNING_URL', 'FEATURE_ON']);
  });

  it('reports missing and invalid variables together', () => {
    // Prepare
    const shape = { PORT: configFields.port, ENDPOINT: configFields.url };

    // Act
    const error = catchConfigError(() => readConfig(shape, { PORT: '70000' }));

    // Assess
    expect(error.message).toContain('PORT is invalid');
    expect(error.message).toContain('ENDPOINT is required');
    expect(error.message).not.toContain('70000');
    expect([...error.variables].sort()).toEqual(['ENDPOINT', 'PORT']);
  });

  it('parses and coerces valid values', () => {
    // Prepare
    const shape = {
      PORT: configFields.port,
      ORIGINS: configFields.csv,
      DEBUG: configFields.boolean,
      STRICT: configFields.boolean,
      ENDPOINT: configFields.url,
      WORKERS: configFields.positiveInt,
    };

    // Act
    const config = readConfig(shape, {
      PORT: '8080',
      ORIGINS: ' https://a.example , ,https://b.example,',
      DEBUG: '1',
      STRICT: 'false',
      ENDPOINT: 'https://objectstorage.example.com/n/ns',
      WORKERS: '4',
    });

    // Assess
    expect(config).toEqual({
      PORT: 8080,
      ORIGINS: ['https://a.example', 'https://b.example'],
      DEBUG: true,
      STRICT: false,
      ENDPOINT: 'https://objectstorage.example.com/n/ns',
      WORKERS: 4,
    });
  });

  it('refuses values outside the field ranges', () => {
    // Prepare
    const shape = { PORT: configFields.port, WORKERS: configFields.positiveInt, FLAG: configFields.boolean };

    // Act
    const error = catchConfigError(() => readConfig(shape, { PORT: '-1', WORKERS: '0', FLAG: 'yes' }));

    // Assess
    expect(error.variables).toEqual(['PORT', 'WORKERS', 'FLAG']);
  });

  it('returns a frozen object', () => {
    // Prepare
    const shape = { PORT: configFields.port };

    // Act
    const config = readConfig(shape, { PORT: '1' });

    // Assess
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 2;
    }).toThrow(TypeError);
  });

  it('reads only the injected source, never process.env', () => {
    // Prepare
    vi.stubEnv('FORGECAST_TEST_ONLY_IN_ENV', 'from-env');
    const shape = { FORGECAST_TEST_ONLY_IN_ENV: z.string() };

    // Act
    const error = catchConfigError(() => readConfig(shape, {}));
    const config = readConfig(shape, { FORGECAST_TEST_ONLY_IN_ENV: 'from-source' });

    // Assess
    expect(error.variables).toEqual(['FORGECAST_TEST_ONLY_IN_ENV']);
    expect(config.FORGECAST_TEST_ONLY_IN_ENV).toBe('from-source');
  });

  it('ignores source keys that are not in the shape', () => {
    // Prepare
    const shape = { PORT: configFields.port };

    // Act
    const config = readConfig(shape, { PORT: '9', OTHER: 'x' });

    // Assess
    expect(config).toEqual({ PORT: 9 });
  });
});
