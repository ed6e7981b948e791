/**
 * Firestore's REST encoding of document fields (`Value` in the v1 API): every value is an object
 * naming its type — stringValue, integerValue (a decimal string: int64 does not fit JSON numbers),
 * doubleValue, booleanValue, nullValue, timestampValue (RFC 3339), arrayValue {values},
 * mapValue {fields}. One definition for the server's adapter and the browser's transport.
 */
export type FirestoreValue =
  | { readonly stringValue: string }
  | { readonly integerValue: string }
  | { readonly doubleValue: number }
  | { readonly booleanValue: boolean }
  | { readonly nullValue: null }
  | { readonly timestampValue: string }
  // Firestore leaves `values` and `fields` out of an empty array or map.
  | { readonly arrayValue: { readonly values?: readonly FirestoreValue[] } }
  | { readonly mapValue: { readonly fields?: Readonly<Record<string, FirestoreValue>> } };

export type PlainValue =
  | string
  | number
  | boolean
  | null
  | Date
  | readonly PlainValue[]
  | { readonly [key: string]: PlainValue };

export function toFirestoreValue(value: PlainValue): FirestoreValue {
  if (value === null) return { nullValue: null };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { booleanValue: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError('Firestore numbers are finite');
    return Number.isSafeInteger(value) ? { integerValue: String(value) } : { doubleValue: value };
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError('an invalid date');
    return { timestampValue: value.toISOString() };
  }
  if (Array.isArray(value)) return { arrayValue: { values: value.map((item) => toFirestoreValue(item)) } };
  return { mapValue: { fields: toFirestoreFields(value as { readonly [key: string]: PlainValue }) } };
}

export function toFirestoreFields(object: {
  readonly [key: string]: PlainValue;
}): Record<string, FirestoreValue> {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, toFirestoreValue(value)]));
}
