/**
 * The named exports of a lazily imported CommonJS package. Node's loader exposes them on the
 * namespace, but a dynamic import inside the esbuild bundle yields only `{ default:
 * module.exports }`. Every lazy `import()` of a CommonJS dependency (AWS SDK, oci-*) goes
 * through here, so code that passes its tests unbundled also works in the function image.
 */
export function commonJsExports<T extends object>(namespace: T): T {
  const fallback = (namespace as { default?: T }).default;
  return Object.keys(namespace).length === 1 && fallback !== undefined && typeof fallback === 'object'
    ? fallback
    : namespace;
}
