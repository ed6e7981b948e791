/** S3 general-purpose bucket naming rules (the subset that matters for a path-style local server). */
export function isValidBucketName(name: string): boolean {
  if (name.length < 3 || name.length > 63) return false;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return false;
  if (name.includes('..')) return false;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return false;
  const reservedPrefixes = ['xn--', 'sthree-', 'amzn-s3-demo-'];
  const reservedSuffixes = ['-s3alias', '--ol-s3', '.mrap', '--x-s3'];
  if (reservedPrefixes.some((prefix) => name.startsWith(prefix))) return false;
  return !reservedSuffixes.some((suffix) => name.endsWith(suffix));
}
