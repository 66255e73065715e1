export * from './logger';
export * from './nest-logger';
export * from './metrics';
export * from './metrics.module';
export * from './lazy-child-logger';
export * from './error-reason';
export * from './interval-log';
