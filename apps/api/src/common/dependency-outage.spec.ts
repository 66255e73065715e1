import { PoolWaitTimeoutError } from '@fleetcert/db';
import { isDependencyOutage } from './dependency-outage';

describe(isDependencyOutage.name, () => {
  it('should treat a transaction that found no free pooled connection in time as an outage (503)', () => {
    expect(isDependencyOutage(new PoolWaitTimeoutError(10_000))).toBe(true);
  });

  it("should treat pg-pool's own connection timeout as an outage, also as a cause", () => {
    const timeout = new Error('timeout exceeded when trying to connect');
    expect(isDependencyOutage(timeout)).toBe(true);
    expect(isDependencyOutage(new Error('submission failed', { cause: timeout }))).toBe(true);
  });

  it("should still treat Prisma's transaction start timeout as an outage", () => {
    expect(
      isDependencyOutage(Object.assign(new Error('Unable to start a transaction'), { code: 'P2028' })),
    ).toBe(true);
  });

  it('should treat Postgres refusing the session as an outage, also as a cause', () => {
    const closed = Object.assign(new Error('database "fleetcert" is not currently accepting connections'), {
      code: '55000',
      severity: 'FATAL',
    });
    expect(isDependencyOutage(closed)).toBe(true);
    expect(isDependencyOutage(new Error('lookup failed', { cause: closed }))).toBe(true);
  });

  it("should treat ioredis's offline errors as an outage", () => {
    expect(isDependencyOutage(new Error('Connection is closed.'))).toBe(true);
    expect(
      isDependencyOutage(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
    ).toBe(true);
  });

  it('should not treat a bug as an outage', () => {
    expect(isDependencyOutage(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(
      false,
    );
    expect(isDependencyOutage(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });
});
