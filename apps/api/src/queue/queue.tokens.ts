/** Injection token of the API's Redis connection (health checks, queue producers). */
export const REDIS = Symbol('REDIS');
