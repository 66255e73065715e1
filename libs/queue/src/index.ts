export * from './redis-connection';
export * from './issuance-jobs';
export * from './renewal-jobs';
