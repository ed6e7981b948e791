import { describe, expect, it } from 'vitest';
import type { FdkReply } from '../../../../../infra/local/fn/fdk-process.ts';
import { clientResponseOf, fnHttpHeaders } from '../../../../../infra/local/fn/http-intent.ts';

const reply = (rawHeaders: string[], body = Buffer.from('ok')): FdkReply => ({
  status: 200,
  headers: {},
  rawHeaders,
  body,
});

describe('Function: fnHttpHeaders', () => {
  it('sets the intent, method and request URL', () => {
    // Act
    const headers = fnHttpHeaders('PATCH', '/v1/designs/4?x=1', {});

    // Assess
    expect(headers).toEqual({
      'Fn-Intent': 'httprequest',
      'Fn-Invoke-Type': 'sync',
      'Fn-Http-Method': 'PATCH',
      'Fn-Http-Request-Url': '/v1/designs/4?x=1',
    });
  });

  it('prefixes every client header with Fn-Http-H- and keeps every value', () => {
    // Act
    const headers = fnHttpHeaders('GET', '/v1/x', {
      Accept: 'application/json',
      'X-Multi': ['one', 'two'],
      authorization: 'Bearer t',
    });

    // Assess
    expect(headers['Fn-Http-H-Accept']).toEqual(['application/json']);
    expect(headers['Fn-Http-H-X-Multi']).toEqual(['one', 'two']);
    expect(headers['Fn-Http-H-authorization']).toEqual(['Bearer t']);
    expect(headers.Accept).toBeUndefined();
  });

  it('sends Content-Type unprefixed as well as prefixed', () => {
    // Act
    const headers = fnHttpHeaders('POST', '/v1/x', { 'content-type': 'application/json' });

    // Assess
    expect(headers['Content-Type']).toBe('application/json');
    expect(headers['Fn-Http-H-content-type']).toEqual(['application/json']);
  });

  it('drops hop-by-hop headers and Content-Length', () => {
    // Act
    const headers = fnHttpHeaders('POST', '/v1/x', {
      Connection: 'keep-alive',
      'Keep-Alive': 'timeout=5',
      'Transfer-Encoding': 'chunked',
      TE: 'trailers',
      Trailer: 'x',
      Upgrade: 'websocket',
      Host: 'localhost:8080',
      'Content-Length': '10',
      'X-Kept': 'yes',
    });

    // Assess
    const forwarded = Object.keys(headers).filter((name) => name.startsWith('Fn-Http-H-'));
    expect(forwarded).toEqual(['Fn-Http-H-X-Kept']);
  });
});

describe('Function: clientResponseOf', () => {
  it('reads the status and strips the Fn-Http-H- prefix', () => {
    // Prepare
    const body = Buffer.from([0, 1, 2]);

    // Act
    const response = clientResponseOf(
      reply(
        [
          'Fn-Http-Status',
          '201',
          'Fn-Http-H-Location',
          '/v1/designs/9',
          'Fn-Fdk-Version',
          'fdk-node/0.0.76',
          'Date',
          'Mon, 01 Jan 2024 00:00:00 GMT',
          'Content-Type',
          'application/json',
        ],
        body,
      ),
    );

    // Assess
    expect(response).toEqual({
      status: 201,
      headers: { location: ['/v1/designs/9'], 'content-type': ['application/json'] },
      body,
    });
  });

  it('keeps every value of a repeated header', () => {
    // Act
    const response = clientResponseOf(
      reply(['Fn-Http-H-Set-Cookie', 'a=1', 'fn-http-h-set-cookie', 'b=2', 'Fn-Http-Status', '200']),
    );

    // Assess
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
  });

  it('defaults the status to 200 when absent or not a number', () => {
    // Act
    const absent = clientResponseOf(reply(['Content-Type', 'text/plain']));
    const garbage = clientResponseOf(reply(['Fn-Http-Status', 'abc']));

    // Assess
    expect(absent.status).toBe(200);
    expect(garbage.status).toBe(200);
  });

  it('ignores an empty Fn-Http-H- name', () => {
    // Act
    const response = clientResponseOf(reply(['Fn-Http-H-', 'x']));

    // Assess
    expect(response.headers).toEqual({});
  });
});
