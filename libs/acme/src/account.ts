import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { AccountStore, StoredAccount } from './account-store.port';

/** How the account is registered (RFC 8555 §7.3). */
export interface AccountOptions {
  /** `mailto:` URIs the CA may write to. Default none. */
  contact?: string[];
  /** Agree to the CA's terms of service (Let's Encrypt requires `true`). Default `false`. */
  termsOfServiceAgreed?: boolean;
  /** External account binding, for CAs that require one (ZeroSSL, Google Trust Services). */
  externalAccountBinding?: ExternalAccountBinding;
}

export interface ExternalAccountBinding {
  kid: string;
  /** The HMAC key as the CA hands it out: base64url. */
  hmacKey: string;
}

/** A fresh ECDSA P-256 account key, PKCS#8 PEM (ES256: what every ACME CA accepts). */
export function generateAccountKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** RFC 7638 JWK thumbprint of the key's public half, base64url: safe to log and compare. */
export function accountKeyThumbprint(keyPem: string): string {
  const jwk = createPublicKey(keyPem).export({ format: 'jwk' }) as Record<string, string>;
  const members =
    jwk.kty === 'EC' ? ['crv', 'kty', 'x', 'y'] : jwk.kty === 'RSA' ? ['e', 'kty', 'n'] : undefined;
  if (!members) throw new Error(`unsupported account key type ${jwk.kty}`);
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Throws unless `keyPem` is a private key acme-client can sign with (EC P-256/384/521 or RSA ≥ 2048). */
export function assertUsableAccountKey(keyPem: string): void {
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    // Never echo the input: it is a private key.
    throw new Error('stored ACME account key is not a readable PEM private key');
  }
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  const ok =
    (type === 'ec' && ['prime256v1', 'secp384r1', 'secp521r1'].includes(details.namedCurve ?? '')) ||
    (type === 'rsa' && (details.modulusLength ?? 0) >= 2048);
  if (!ok)
    throw new Error(
      `stored ACME account key has an unsupported type (${type} ${details.namedCurve ?? details.modulusLength ?? ''})`,
    );
}

/**
 * The stored account of `directoryUrl`, creating its key first if there is none. Race-safe
 * with the store's insert-if-absent `save`: after saving a new key we reload and use
 * whichever key won.
 */
export async function loadOrCreateAccountKey(
  store: AccountStore,
  directoryUrl: string,
): Promise<StoredAccount> {
  const stored = await store.load(directoryUrl);
  if (stored) {
    assertUsableAccountKey(stored.keyPem);
    return stored;
  }
  // Saved before registering: a crash after the CA learnt the key must not lose it.
  await store.save(directoryUrl, { keyPem: generateAccountKeyPem() });
  const winner = await store.load(directoryUrl);
  if (!winner) throw new Error('account store lost the account key it was just given');
  assertUsableAccountKey(winner.keyPem);
  return winner;
}

/** The `newAccount` payload (the EAB is added by acme-client, which signs it with the HMAC key). */
export function newAccountPayload(options: AccountOptions): {
  termsOfServiceAgreed: boolean;
  contact?: string[];
} {
  return {
    termsOfServiceAgreed: options.termsOfServiceAgreed ?? false,
    ...(options.contact && options.contact.length > 0 && { contact: [...options.contact] }),
  };
}
