import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authenticate, type SignedRequestView } from '../../../../../infra/local/s3/authenticate.ts';
import { parseRequestTarget } from '../../../../../infra/local/s3/request-target.ts';
import { S3Error } from '../../../../../infra/local/s3/s3-error.ts';
import {
  buildCanonicalRequest,
  buildStringToSign,
  canonicalQueryString,
  canonicalUri,
  computeSignature,
  deriveSigningKey,
  EMPTY_BODY_SHA256,
  signaturesMatch,
  uriEncode,
} from '../../../../../infra/local/s3/sigv4.ts';

// Values published in the AWS documentation ("Signature Calculations for the Authorization
// Header" and "Query String Authentication" examples for S3, and the signing-key example).
const DOC_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const DOC_SCOPE = { date: '20130524', region: 'us-east-1', service: 's3' };

describe('SigV4 against the published AWS examples', () => {
  it('derives the documented signing key', () => {
    const key = deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', {
      date: '20150830',
      region: 'us-east-1',
      service: 'iam',
    });
    expect(key.toString('hex')).toBe('c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9');
  });

  it('signs the documented GET Object with a Range header', () => {
    const canonical = buildCanonicalRequest({
      method: 'GET',
      rawPath: '/test.txt',
      query: [],
      headers: {
        host: 'examplebucket.s3.amazonaws.com',
        range: 'bytes=0-9',
        'x-amz-content-sha256': EMPTY_BODY_SHA256,
        'x-amz-date': '20130524T000000Z',
      },
      signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
      payloadHash: EMPTY_BODY_SHA256,
    });
    expect(canonical).toBe(
      [
        'GET',
        '/test.txt',
        '',
        'host:examplebucket.s3.amazonaws.com',
        'range:bytes=0-9',
        `x-amz-content-sha256:${EMPTY_BODY_SHA256}`,
        'x-amz-date:20130524T000000Z',
        '',
        'host;range;x-amz-content-sha256;x-amz-date',
        EMPTY_BODY_SHA256,
      ].join('\n'),
    );
    const stringToSign = buildStringToSign('20130524T000000Z', DOC_SCOPE, canonical);
    expect(computeSignature(DOC_SECRET, DOC_SCOPE, stringToSign)).toBe(
      'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('signs the documented presigned GET', () => {
    const canonical = buildCanonicalRequest({
      method: 'GET',
      rawPath: '/test.txt',
      query: [
        ['X-Amz-SignedHeaders', 'host'],
        ['X-Amz-Expires', '86400'],
        ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
        ['X-Amz-Date', '20130524T000000Z'],
        ['X-Amz-Credential', 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request'],
      ],
      headers: { host: 'examplebucket.s3.amazonaws.com' },
      signedHeaders: ['host'],
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    const stringToSign = buildStringToSign('20130524T000000Z', DOC_SCOPE, canonical);
    expect(computeSignature(DOC_SECRET, DOC_SCOPE, stringToSign)).toBe(
      'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });
});

describe('canonical encoding', () => {
  it('encodes every byte outside the unreserved set, upper-case, UTF-8', () => {
    expect(uriEncode('a b~c-d_e.f')).toBe('a%20b~c-d_e.f');
    expect(uriEncode("ü!'()*+=/")).toBe('%C3%BC%21%27%28%29%2A%2B%3D%2F');
    expect(uriEncode('🎥')).toBe('%F0%9F%8E%A5');
    expect(uriEncode('a/b', false)).toBe('a/b');
  });

  it('gives one canonical path whichever reserved characters the client escaped', () => {
    const expected = '/bucket/my%20designs/%C3%BCber~v1%21.stl';
    expect(canonicalUri('/bucket/my%20designs/%C3%BCber~v1!.stl')).toBe(expected);
    expect(canonicalUri('/bucket/my%20designs/%C3%BCber%7Ev1%21.stl')).toBe(expected);
    // S3 does not normalise dot segments or collapse slashes.
    expect(canonicalUri('/bucket/../../etc//passwd')).toBe('/bucket/../../etc//passwd');
    // An escaped slash stays part of its segment.
    expect(canonicalUri('/bucket/a%2Fb')).toBe('/bucket/a%2Fb');
  });

  it('sorts query parameters by encoded name then value and encodes both', () => {
    expect(
      canonicalQueryString([
        ['prefix', 'a b/ü'],
        ['list-type', '2'],
        ['continuation-token', 'x=y~'],
        ['acl', ''],
      ]),
    ).toBe('acl=&continuation-token=x%3Dy~&list-type=2&prefix=a%20b%2F%C3%BC');
  });

  it('parses a raw target keeping + literal and decoding the key once', () => {
    const target = parseRequestTarget('/bkt/a%20b/%C3%BC+~%2525?prefix=a%2Bb&x-id=GetObject');
    expect(target.bucket).toBe('bkt');
    expect(target.key).toBe('a b/ü+~%25');
    expect(target.query).toEqual([
      ['prefix', 'a+b'],
      ['x-id', 'GetObject'],
    ]);
  });

  it('compares signatures only when equal in full', () => {
    const signature = 'a'.repeat(64);
    expect(signaturesMatch(signature, signature)).toBe(true);
    expect(signaturesMatch(signature, `${'a'.repeat(63)}b`)).toBe(false);
    expect(signaturesMatch(signature, 'a')).toBe(false);
  });
});

/** Header-form signing written out step by step, independently of the module under test. */
function signIndependently(input: {
  method: string;
  canonicalPath: string;
  canonicalQuery: string;
  headers: Record<string, string>;
  payloadHash: string;
  secret: string;
  amzDate: string;
  region: string;
}): string {
  const names = Object.keys(input.headers).sort();
  const canonical = [
    input.method,
    input.canonicalPath,
    input.canonicalQuery,
    names.map((name) => `${name}:${input.headers[name]?.trim()}\n`).join(''),
    names.join(';'),
    input.payloadHash,
  ].join('\n');
  const date = input.amzDate.slice(0, 8);
  const scope = `${date}/${input.region}/s3/aws4_request`;
  const toSign = [
    'AWS4-HMAC-SHA256',
    input.amzDate,
    scope,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${input.secret}`).update(date).digest();
  for (const part of [input.region, 's3', 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(toSign).digest('hex');
}

describe('authenticate', () => {
  const credentials = { accessKeyId: 'LOCALKEY', secretAccessKey: 'local/secret+key' };
  const now = new Date('2025-03-01T12:00:00Z');
  const amzDate = '20250301T120000Z';
  const payloadHash = createHash('sha256').update('hello').digest('hex');

  function signedView(overrides: { secret?: string; rawUrl?: string } = {}): SignedRequestView {
    const headers: Record<string, string> = {
      host: '127.0.0.1:9000',
      'content-type': 'text/plain',
      'x-amz-content-sha256': payloadHash,
      'x-amz-date': amzDate,
    };
    const signature = signIndependently({
      method: 'PUT',
      canonicalPath: '/bkt/my%20file%20%C3%BC~%21.txt',
      canonicalQuery: 'x-id=PutObject',
      headers,
      payloadHash,
      secret: overrides.secret ?? credentials.secretAccessKey,
      amzDate,
      region: 'eu-frankfurt-1',
    });
    return {
      method: 'PUT',
      target: parseRequestTarget(overrides.rawUrl ?? '/bkt/my%20file%20%C3%BC~!.txt?x-id=PutObject'),
      headers: {
        ...headers,
        authorization: `AWS4-HMAC-SHA256 Credential=LOCALKEY/20250301/eu-frankfurt-1/s3/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=${signature}`,
      },
    };
  }

  const context = { credentials, region: 'eu-frankfurt-1', now };

  it('accepts a request signed independently and asks for the body digest to be checked', () => {
    expect(authenticate(signedView(), context)).toEqual({ kind: 'sha256', expectedHex: payloadHash });
  });

  it('refuses a wrong secret and a changed path', () => {
    const codeOf = (view: SignedRequestView) => {
      try {
        authenticate(view, context);
        return 'accepted';
      } catch (error) {
        return error instanceof S3Error ? `${error.status} ${error.code}` : 'unexpected';
      }
    };
    expect(codeOf(signedView({ secret: 'other' }))).toBe('403 SignatureDoesNotMatch');
    expect(codeOf(signedView({ rawUrl: '/bkt/my%20file%20%C3%BC~!.txu?x-id=PutObject' }))).toBe(
      '403 SignatureDoesNotMatch',
    );
    expect(codeOf({ ...signedView(), headers: { ...signedView().headers, 'x-amz-meta-extra': '1' } })).toBe(
      '403 AccessDenied',
    );
    expect(() => authenticate(signedView(), { ...context, now: new Date('2025-03-01T13:00:00Z') })).toThrow(
      /too large/,
    );
  });
});
