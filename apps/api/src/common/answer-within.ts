/**
 * `answer`, or a rejection once `ms` have passed without one. For reads of a dependency
 * that can wait forever rather than fail: BullMQ waits for its Redis connection to be ready
 * before sending anything, so with Redis away a queue read never settles. The rejection
 * carries `code: 'ETIMEDOUT'`, which the error filter answers with 503 (`isDependencyOutage`).
 */
export async function answerWithin<T>(answer: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err: NodeJS.ErrnoException = new Error(`${what}: no answer within ${ms} ms`);
      err.code = 'ETIMEDOUT';
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([answer, expired]);
  } finally {
    clearTimeout(timer);
  }
}
