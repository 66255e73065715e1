// @peculiar/x509 registers its algorithms in a tsyringe container, and tsyringe throws at
// import time unless the Reflect metadata polyfill is loaded first. Importing the library
// only through this file makes every entry point of libs/pki safe on its own (a CLI, a
// worker, a test) instead of relying on the host application to have loaded it earlier.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

export {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Pkcs10CertificateRequest,
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509';

/**
 * Node's WebCrypto, passed explicitly to every @peculiar/x509 call: the library's default
 * provider is whatever `globalThis.crypto` is at import time, which test environments and
 * bundlers may replace.
 */
export const nodeCrypto = webcrypto;
