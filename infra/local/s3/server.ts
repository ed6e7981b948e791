import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  buildObjectStorageEvent,
  OBJECT_EVENT_TYPES,
  type ObjectEventType,
  type ObjectStorageEvent,
} from '#events/object-storage-event.ts';
import { listen } from '../listen.ts';
import { authenticate, type PayloadMode } from './authenticate.ts';
import { isValidBucketName } from './bucket-name.ts';
import { openDiskStore } from './disk-store.ts';
import { getObject } from './get-object.ts';
import { listObjects } from './list-objects.ts';
import { putObject } from './put-object.ts';
import { parseRequestTarget, queryValue, type RequestTarget } from './request-target.ts';
import { S3Error, s3Errors } from './s3-error.ts';
import { errorXml, listBucketsXml, listObjectsV2Xml } from './xml.ts';

export interface S3ServerOptions {
  readonly dataDir: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: '127.0.0.1';
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** Object Storage namespace written into the events. */
  readonly namespace: string;
  /** Created at start when missing. */
  readonly buckets: readonly string[];
  readonly maxObjectBytes?: number;
  /**
   * Called once per committed put and per delete of an existing object. Awaited before the
   * client gets its answer, so a subscriber that records the event durably (the event router
   * spools it) never loses one the client saw succeed.
   */
  readonly onObjectEvent?: (event: ObjectStorageEvent) => void | Promise<void>;
  /** Unexpected failures (answered as 500 InternalError); never receives credentials. */
  readonly onInternalError?: (error: unknown) => void;
}

export interface RunningS3Server {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** S3's own single-PUT ceiling. */
const DEFAULT_MAX_OBJECT_BYTES = 5 * 1024 ** 3;
const MAX_LIST_KEYS = 1000;
/** Query parameters that do not select a sub-resource we would otherwise ignore silently. */
const PLAIN_OBJECT_QUERY = new Set(['x-id', 'response-content-type', 'response-content-disposition']);

type BucketTarget = RequestTarget & { bucket: string };
type ObjectTarget = BucketTarget & { key: string };

/** Embedded S3-compatible server for the local cloud: path-style, SigV4, OCI-format object events. */
export async function startS3Server(options: S3ServerOptions): Promise<RunningS3Server> {
  const invalid = options.buckets.filter((bucket) => !isValidBucketName(bucket));
  if (invalid.length > 0) throw new Error(`Invalid bucket names: ${invalid.join(', ')}`);
  const store = await openDiskStore(options.dataDir);
  for (const bucket of options.buckets) await store.createBucket(bucket);

  const maxObjectBytes = options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
  const credentials = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey };

  async function emit(eventType: ObjectEventType, bucket: string, key: string, etag: string): Promise<void> {
    if (!options.onObjectEvent) return;
    const event = buildObjectStorageEvent({
      eventType,
      namespace: options.namespace,
      bucket,
      objectName: key,
      eTag: etag,
      eventId: randomUUID(),
      time: new Date(),
    });
    try {
      await options.onObjectEvent(event);
    } catch (error) {
      // A failing subscriber must not turn a committed write into an error for the client.
      options.onInternalError?.(error);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'ETag, x-amz-request-id');
    let resource = '/';
    try {
      if (req.method === 'OPTIONS') return answerPreflight(req, res);
      const target = parseRequestTarget(req.url ?? '/');
      resource = target.rawPath;
      const payload = authenticate(
        { method: req.method ?? 'GET', target, headers: headerView(req) },
        { credentials, region: options.region, now: new Date() },
      );
      await route(req, res, target, payload, expectsContinue);
    } catch (error) {
      if (!(error instanceof S3Error)) options.onInternalError?.(error);
      sendError(req, res, error instanceof S3Error ? error : s3Errors.internal(error), resource, requestId);
    }
  }

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    target: RequestTarget,
    payload: PayloadMode,
    expectsContinue: boolean,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const { bucket, key } = target;
    if (bucket === undefined) {
      if (method !== 'GET') throw s3Errors.methodNotAllowed();
      return sendXml(res, 200, listBucketsXml(store.bucketNames(), options.accessKeyId));
    }
    if (key === undefined) return routeBucket(req, res, { ...target, bucket }, method);
    const objectTarget: ObjectTarget = { ...target, bucket, key };
    const subresource = target.query.find(
      ([name]) => !PLAIN_OBJECT_QUERY.has(name) && !name.toLowerCase().startsWith('x-amz-'),
    );
    if (subresource) throw s3Errors.notImplemented(`The ${subresource[0]} sub-resource is not supported.`);
    switch (method) {
      case 'PUT': {
        const { metadata, previous } = await putObject({
          req,
          res,
          store,
          bucket,
          key,
          payload,
          maxObjectBytes,
          expectsContinue,
        });
        await emit(
          previous ? OBJECT_EVENT_TYPES.updated : OBJECT_EVENT_TYPES.created,
          bucket,
          key,
          metadata.etag,
        );
        res.writeHead(200, { ETag: `"${metadata.etag}"`, 'Content-Length': 0 }).end();
        return;
      }
      case 'GET':
      case 'HEAD':
        return getObject(req, res, store, objectTarget);
      case 'DELETE': {
        if (!store.hasBucket(bucket)) throw s3Errors.noSuchBucket();
        const removed = await store.delete(bucket, key);
        if (removed) await emit(OBJECT_EVENT_TYPES.deleted, bucket, key, removed.etag);
        res.writeHead(204).end();
        return;
      }
      default:
        throw s3Errors.notImplemented(`${method} on an object is not supported.`);
    }
  }

  async function routeBucket(
    req: IncomingMessage,
    res: ServerResponse,
    target: BucketTarget,
    method: string,
  ) {
    if (method === 'PUT') {
      if (!isValidBucketName(target.bucket)) throw s3Errors.invalidBucketName();
      req.resume(); // An optional CreateBucketConfiguration body carries nothing we use.
      if ((await store.createBucket(target.bucket)) === 'exists') throw s3Errors.bucketAlreadyOwnedByYou();
      res.writeHead(200, { Location: `/${target.bucket}`, 'Content-Length': 0 }).end();
      return;
    }
    if (!store.hasBucket(target.bucket)) throw s3Errors.noSuchBucket();
    if (method === 'HEAD') {
      res.writeHead(200, { 'x-amz-bucket-region': options.region, 'Content-Length': 0 }).end();
      return;
    }
    if (method === 'GET' && queryValue(target, 'list-type') === '2') return listBucket(res, target);
    throw s3Errors.notImplemented(`This ${method} request on a bucket is not supported.`);
  }

  function listBucket(res: ServerResponse, target: BucketTarget): void {
    const maxKeysText = queryValue(target, 'max-keys');
    if (maxKeysText !== undefined && !/^\d{1,9}$/.test(maxKeysText)) {
      throw s3Errors.invalidArgument('Provided max-keys not an integer or within integer range');
    }
    const maxKeys = Math.min(maxKeysText === undefined ? MAX_LIST_KEYS : Number(maxKeysText), MAX_LIST_KEYS);
    const prefix = queryValue(target, 'prefix') ?? '';
    const delimiter = queryValue(target, 'delimiter') || undefined;
    const startAfter = queryValue(target, 'start-after') || undefined;
    const continuationToken = queryValue(target, 'continuation-token') || undefined;
    const page = listObjects(store.list(target.bucket), {
      prefix,
      delimiter,
      startAfter,
      continuationToken,
      maxKeys,
    });
    const xml = listObjectsV2Xml({
      bucket: target.bucket,
      prefix,
      delimiter,
      maxKeys,
      startAfter,
      continuationToken,
      nextContinuationToken: page.nextContinuationToken,
      contents: page.contents,
      commonPrefixes: page.commonPrefixes,
      urlEncode: queryValue(target, 'encoding-type') === 'url',
    });
    sendXml(res, 200, xml);
  }

  const server = createServer((req, res) => void handle(req, res, false));
  server.on('checkContinue', (req, res) => void handle(req, res, true));
  const { port } = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1', 'object storage');
  return {
    endpoint: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  } satisfies RunningS3Server;
}

/** Lower-case names; repeated headers joined with ',' as the SigV4 canonical form wants. */
function headerView(req: IncomingMessage): Record<string, string> {
  const view: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values) view[name] = values.join(',');
  }
  return view;
}

/** Browsers on loopback pages upload straight to presigned URLs; the signature is the guard. */
function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.writeHead(200, {
    'Access-Control-Allow-Methods': 'GET, PUT, HEAD',
    'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || '*',
    'Access-Control-Max-Age': '3600',
    'Content-Length': 0,
  });
  res.end();
}

function sendXml(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(xml) });
  res.end(xml);
}

function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  error: S3Error,
  resource: string,
  requestId: string,
): void {
  if (res.headersSent) {
    res.destroy(error);
    return;
  }
  // Refusing before the body is read: close the connection instead of reading the rest of it.
  if (!req.complete) res.setHeader('Connection', 'close');
  const body = req.method === 'HEAD' ? '' : errorXml(error.code, error.message, resource, requestId);
  res.writeHead(error.status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
