import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from '#shared/base/deadline.ts';
import { DeadlineExceededError } from '#shared/errors.ts';

describe('Function: withDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes the work through when there is no deadline', async () => {
    // Prepare
    const work = new Promise<string>((resolve) => setTimeout(() => resolve('done'), 10 * 60_000));

    // Act
    const result = withDeadline(null, work);
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    // Assess
    await expect(result).resolves.toBe('done');
  });

  it('passes the work through when the deadline is not a valid date', async () => {
    // Act
    const result = withDeadline(new Date('not a date'), Promise.resolve(7));

    // Assess
    await expect(result).resolves.toBe(7);
  });

  it('rejects at once when the deadline has already passed', async () => {
    // Prepare
    const now = 1_000_000;
    const work = Promise.resolve('late');

    // Act
    const result = withDeadline(new Date(now - 1), work, now);

    // Assess
    await expect(result).rejects.toBeInstanceOf(DeadlineExceededError);
    await expect(result).rejects.toThrow('deadline had passed');
  });

  it('rejects when less than the safety margin is left', async () => {
    // Prepare
    const now = 1_000_000;

    // Act
    const result = withDeadline(new Date(now + 50), Promise.resolve('x'), now);

    // Assess
    await expect(result).rejects.toBeInstanceOf(DeadlineExceededError);
  });

  it('resolves with the work when it finishes first', async () => {
    // Prepare
    const now = Date.now();
    const work = new Promise<string>((resolve) => setTimeout(() => resolve('fast'), 1_000));

    // Act
    const result = withDeadline(new Date(now + 5_000), work, now);
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess
    await expect(result).resolves.toBe('fast');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('passes on the rejection of work that fails first', async () => {
    // Prepare
    const now = Date.now();
    const failure = new Error('work failed');

    // Act
    const result = withDeadline(new Date(now + 5_000), Promise.reject(failure), now);

    // Assess
    await expect(result).rejects.toBe(failure);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with DeadlineExceededError when the work is too slow', async () => {
    // Prepare
    const now = Date.now();
    const work = new Promise<string>((resolve) => setTimeout(() => resolve('slow'), 10_000));

    // Act
    const result = withDeadline(new Date(now + 1_100), work, now);
    const assertion = expect(result).rejects.toBeInstanceOf(DeadlineExceededError);
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess
    await assertion;
    await expect(result).rejects.toThrow('No result within 1000 ms');
  });

  it('is still pending just before the deadline less the margin', async () => {
    // Prepare
    const now = Date.now();
    let settled = false;
    const work = new Promise<string>(() => {});

    // Act
    const result = withDeadline(new Date(now + 1_100), work, now);
    result.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await vi.advanceTimersByTimeAsync(999);

    // Assess
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
  });
});
