import { z } from 'zod';
import { ConfigError } from '../errors.ts';

export type ConfigSource = Readonly<Record<string, string | undefined>>;

/**
 * Reads configuration once (at cold start) from an injectable source, treating empty strings as
 * missing. Fails fast with a message that names every missing or invalid variable; values are
 * never echoed, because some are secrets.
 */
export function readConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  source: ConfigSource = process.env,
): Readonly<z.infer<z.ZodObject<Shape>>> {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const value = source[key];
    if (value !== undefined && value.trim() !== '') cleaned[key] = value;
  }
  const result = z.object(shape).safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '?');
      const missing = cleaned[variable] === undefined;
      return {
        variable,
        text: missing ? `${variable} is required` : `${variable} is invalid: ${issue.message}`,
      };
    });
    const variables = [...new Set(problems.map((p) => p.variable))];
    throw new ConfigError(`Invalid configuration: ${problems.map((p) => p.text).join('; ')}`, variables);
  }
  return Object.freeze(result.data);
}

/** Reusable field schemas. */
export const configFields = {
  url: z.url(),
  port: z.coerce.number().int().min(0).max(65535),
  positiveInt: z.coerce.number().int().positive(),
  boolean: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
  csv: z.string().transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
};
