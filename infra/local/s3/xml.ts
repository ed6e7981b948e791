import type { ObjectMetadata } from './disk-store.ts';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function element(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function errorXml(code: string, message: string, resource: string, requestId: string): string {
  return `${XML_DECLARATION}<Error>${element('Code', code)}${element('Message', message)}${element('Resource', resource)}${element('RequestId', requestId)}</Error>`;
}

export interface ListObjectsPage {
  readonly bucket: string;
  readonly prefix: string;
  readonly delimiter: string | undefined;
  readonly maxKeys: number;
  readonly startAfter: string | undefined;
  readonly continuationToken: string | undefined;
  readonly nextContinuationToken: string | undefined;
  readonly contents: readonly ObjectMetadata[];
  readonly commonPrefixes: readonly string[];
  /** `encoding-type=url`: keys and prefixes are URL-encoded so any byte survives XML. */
  readonly urlEncode: boolean;
}

export function listObjectsV2Xml(page: ListObjectsPage): string {
  const encode = (value: string) => (page.urlEncode ? encodeURIComponent(value) : value);
  const parts = [
    element('Name', page.bucket),
    element('Prefix', encode(page.prefix)),
    ...(page.delimiter === undefined ? [] : [element('Delimiter', encode(page.delimiter))]),
    ...(page.startAfter === undefined ? [] : [element('StartAfter', encode(page.startAfter))]),
    ...(page.continuationToken === undefined ? [] : [element('ContinuationToken', page.continuationToken)]),
    ...(page.nextContinuationToken === undefined
      ? []
      : [element('NextContinuationToken', page.nextContinuationToken)]),
    element('KeyCount', page.contents.length + page.commonPrefixes.length),
    element('MaxKeys', page.maxKeys),
    ...(page.urlEncode ? [element('EncodingType', 'url')] : []),
    element('IsTruncated', page.nextContinuationToken !== undefined),
    ...page.contents.map(
      (object) =>
        `<Contents>${element('Key', encode(object.key))}${element('LastModified', object.lastModified)}${element('ETag', `"${object.etag}"`)}${element('Size', object.size)}${element('StorageClass', 'STANDARD')}</Contents>`,
    ),
    ...page.commonPrefixes.map(
      (prefix) => `<CommonPrefixes>${element('Prefix', encode(prefix))}</CommonPrefixes>`,
    ),
  ];
  return `${XML_DECLARATION}<ListBucketResult xmlns="${S3_NAMESPACE}">${parts.join('')}</ListBucketResult>`;
}

export function listBucketsXml(buckets: readonly string[], owner: string): string {
  const entries = buckets
    .map(
      (name) =>
        `<Bucket>${element('Name', name)}${element('CreationDate', new Date(0).toISOString())}</Bucket>`,
    )
    .join('');
  return `${XML_DECLARATION}<ListAllMyBucketsResult xmlns="${S3_NAMESPACE}"><Owner>${element('ID', owner)}${element('DisplayName', owner)}</Owner><Buckets>${entries}</Buckets></ListAllMyBucketsResult>`;
}
