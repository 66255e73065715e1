// Public API of @fleetcert/crypto.
export { SecretBox } from './secret-box';
export type { SecretBoxKey } from './secret-box';
export { SecretBoxError } from './secret-box.error';
