/** A decoded Stripe form body: strings at the leaves, objects and arrays from bracket notation. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

export class FormSyntaxError extends Error {
  readonly param: string;
  constructor(message: string, param: string) {
    super(message);
    this.name = 'FormSyntaxError';
    this.param = param;
  }
}

const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;
const MAX_DEPTH = 8;
const MAX_INDEX = 1000;

/**
 * Decodes `application/x-www-form-urlencoded` the way Stripe reads it: `a[b][0][c]=x` nests,
 * numeric segments make arrays, `a[]=x` appends. Brackets may arrive encoded (%5B) or not.
 */
export function parseStripeForm(body: string): FormObject {
  const root: FormObject = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const match = KEY.exec(rawKey);
    if (!match) throw new FormSyntaxError(`Invalid parameter name: ${rawKey}`, rawKey);
    const segments = [
      match[1] as string,
      ...[...(match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? ''),
    ];
    if (segments.length > MAX_DEPTH)
      throw new FormSyntaxError(`Parameter nested too deeply: ${rawKey}`, rawKey);
    assign(root, segments, value, rawKey);
  }
  return root;
}

function assign(root: FormObject, segments: readonly string[], value: string, rawKey: string): void {
  let container: FormObject | FormValue[] = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const last = i === segments.length - 1;
    const nextIsIndex = !last && isIndexSegment(segments[i + 1] as string);
    const fresh = (): FormValue => (last ? value : nextIsIndex ? [] : {});
    if (Array.isArray(container)) {
      const index = segment === '' ? container.length : Number(segment);
      if (!Number.isInteger(index) || index < 0 || index > MAX_INDEX) {
        throw new FormSyntaxError(`Invalid array index in ${rawKey}`, rawKey);
      }
      if (last) {
        container[index] = value;
        return;
      }
      container[index] ??= fresh();
      container = descend(container[index], rawKey);
    } else {
      if (segment === '') throw new FormSyntaxError(`Empty parameter name in ${rawKey}`, rawKey);
      if (last) {
        if (typeof container[segment] === 'object')
          throw new FormSyntaxError(`Conflicting ${rawKey}`, rawKey);
        container[segment] = value;
        return;
      }
      container[segment] ??= fresh();
      container = descend(container[segment], rawKey);
    }
  }
}

function descend(value: FormValue | undefined, rawKey: string): FormObject | FormValue[] {
  if (value === undefined || typeof value === 'string')
    throw new FormSyntaxError(`Conflicting ${rawKey}`, rawKey);
  return value;
}

function isIndexSegment(segment: string): boolean {
  return segment === '' || /^\d+$/.test(segment);
}

/** A canonical text of parsed params (keys sorted), so equal requests compare equal. */
export function canonicalParams(value: FormValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalParams(item ?? '')).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalParams(value[key] as FormValue)}`).join(',')}}`;
}
