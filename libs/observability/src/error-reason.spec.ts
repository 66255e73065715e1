import { errorMessage, errorReason } from './error-reason';

describe(errorReason.name, () => {
  it("should take the database's words from the end of a Prisma message", () => {
    const prisma = new Error(
      "\nInvalid `prisma.$queryRaw()` invocation:\n\n\nRaw query failed. Code: `N/A`. Message: `Can't reach database server at 127.0.0.1:1`",
    );
    expect(errorReason(prisma)).toBe(
      "Raw query failed. Code: `N/A`. Message: `Can't reach database server at 127.0.0.1:1`",
    );
  });

  it('should keep a one-line message, cut to length, and say something for an empty one', () => {
    expect(errorReason(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe(
      'connect ECONNREFUSED 127.0.0.1:6379',
    );
    expect(errorReason(new Error('x'.repeat(500)), 10)).toBe('x'.repeat(10));
    expect(errorReason(new Error(''))).toBe('failed');
    expect(errorReason('not an Error')).toBe('not an Error');
  });
});

describe(errorMessage.name, () => {
  it("should give an Error's message, and any other thrown value as text", () => {
    expect(errorMessage(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe(
      'connect ECONNREFUSED 127.0.0.1:6379',
    );
    expect(errorMessage('Connection is closed.')).toBe('Connection is closed.');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage({ code: 'EPIPE' })).toBe('[object Object]');
  });
});
