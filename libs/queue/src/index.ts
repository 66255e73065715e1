export * from './redis-connection';
export * from './issuance-jobs';
