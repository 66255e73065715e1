// @peculiar/x509 registers its algorithms in a tsyringe container, which needs the
// Reflect metadata polyfill loaded first; importing the library only through this file
// keeps that ordering in one place.
import 'reflect-metadata';

export {
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
  X509Certificate as PeculiarCertificate,
} from '@peculiar/x509';
