import { describe, expect, it } from 'vitest';
import {
  AppError,
  ConflictError,
  DeadlineExceededError,
  DependencyUnavailableError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  toProblem,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '#shared/errors.ts';

const BASE = 'https://forgecast.dev/problems/';

describe('Function: toProblem', () => {
  it.each([
    [ValidationError, 400, 'validation', 'Request is not valid'],
    [UnauthorizedError, 401, 'unauthorized', 'Authentication required'],
    [ForbiddenError, 403, 'forbidden', 'Not allowed'],
    [NotFoundError, 404, 'not-found', 'Not found'],
    [ConflictError, 409, 'conflict', 'Conflict'],
    [PayloadTooLargeError, 413, 'payload-too-large', 'Payload too large'],
    [UnsupportedMediaTypeError, 415, 'unsupported-media-type', 'Unsupported media type'],
    [DependencyUnavailableError, 503, 'dependency-unavailable', 'A dependency is unavailable'],
    [DeadlineExceededError, 504, 'deadline-exceeded', 'The call ran out of time'],
  ])('maps %o to its problem document', (ErrorClass, status, slug, title) => {
    // Prepare
    const err = new ErrorClass('design 42 does not exist');

    // Act
    const problem = toProblem(err);

    // Assess
    // A 503 also tells the client when to come back (the edge copies it into Retry-After).
    const retry = status === 503 ? { retryAfterSeconds: 5 } : {};
    expect(problem).toEqual({
      ...retry,
      type: BASE + slug,
      title,
      status,
      detail: 'design 42 does not exist',
    });
    expect(err.name).toBe(ErrorClass.name);
  });

  it('includes extensions and the instance', () => {
    // Prepare
    const errors = [{ pointer: '/name', detail: 'Required' }];
    const err = new ValidationError('The body is not valid', { extensions: { errors } });

    // Act
    const problem = toProblem(err, '/v1/designs?x=1');

    // Assess
    expect(problem).toEqual({
      type: `${BASE}validation`,
      title: 'Request is not valid',
      status: 400,
      detail: 'The body is not valid',
      instance: '/v1/designs?x=1',
      errors,
    });
  });

  it('does not let extensions override the standard members', () => {
    // Prepare
    const err = new ConflictError('taken', { extensions: { status: 200, type: 'x', title: 'y' } });

    // Act
    const problem = toProblem(err);

    // Assess
    expect(problem.status).toBe(409);
    expect(problem.type).toBe(`${BASE}conflict`);
    expect(problem.title).toBe('Conflict');
  });

  it('maps a custom AppError subclass through its own fields', () => {
    // Prepare
    class TeapotError extends AppError {
      readonly status = 418;
      readonly slug = 'teapot';
      readonly title = 'I am a teapot';
    }

    // Act
    const problem = toProblem(new TeapotError('short and stout'));

    // Assess
    expect(problem).toMatchObject({ status: 418, type: `${BASE}teapot`, detail: 'short and stout' });
  });

  it('turns an unknown Error into a 500 that does not leak its message', () => {
    // Prepare
    const err = new Error('connect ECONNREFUSED mysql://root:pa55word@db:3306');

    // Act
    const problem = toProblem(err, '/v1/x');

    // Assess
    expect(problem.status).toBe(500);
    expect(problem.type).toBe(`${BASE}internal`);
    expect(problem.title).toBe('Internal error');
    expect(problem.instance).toBe('/v1/x');
    expect(JSON.stringify(problem)).not.toContain('pa55word');
    expect(JSON.stringify(problem)).not.toContain('ECONNREFUSED');
  });

  it('omits instance when none is given', () => {
    // Act
    const problem = toProblem(new Error('boom'));

    // Assess
    expect(problem).not.toHaveProperty('instance');
  });

  it.each([
    ['a string', 'secret-string-thrown'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['a plain object', { status: 404, message: 'secret-object-thrown' }],
  ])('turns %s into a 500', (_label, thrown) => {
    // Act
    const problem = toProblem(thrown);

    // Assess
    expect(problem.status).toBe(500);
    expect(problem.type).toBe(`${BASE}internal`);
    expect(JSON.stringify(problem)).not.toContain('secret-');
  });
});
