export * from './app-config';
export * from './config-error';
export * from './load-config';
export * from './config.module';
export { SETTINGS, LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING } from './settings';
export type { EncryptionKey, HostPort } from './parsers';
export * from './load-config-or-exit';
