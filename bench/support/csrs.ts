import { generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { mapLimit } from './stats';

/**
 * One fresh ECDSA P-256 key and CSR per name, made before any clock starts: devices make
 * their own keys, so this is not fleetcert's work (lego and certbot make theirs inside their
 * runs; a P-256 key costs them well under a millisecond).
 */
export function makeCsrs(names: readonly string[]): Promise<string[]> {
  return mapLimit(names, 16, async (name) =>
    makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [name] }),
  );
}
