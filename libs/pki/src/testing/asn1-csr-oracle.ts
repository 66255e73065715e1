// Test-only: the CSR reading parseCsr did before its DER walk, through @peculiar/asn1-schema
// (asn1js). Kept as an independent oracle: for well-formed DER both must read the same
// fields, and anything the walk accepts this must accept too (the walk is the stricter).
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { ECParameters } from '@peculiar/asn1-ecc';
import { ExtensionRequest, id_pkcs9_at_extensionRequest } from '@peculiar/asn1-pkcs9';
import { RSAPublicKey } from '@peculiar/asn1-rsa';
import {
  Extension,
  GeneralName,
  Name,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  id_ce_subjectAltName,
} from '@peculiar/asn1-x509';
import { createHash } from 'node:crypto';
import { canonicalIp } from '../identifiers';
import type { ParsedCsr } from '../csr/parse-csr';
import { CURVES, KEY_ALGORITHMS, type PublicKeySummary } from '../x509/public-key';
import { nameSignatureAlgorithm } from '../x509/signature-algorithm';

/** The fields of {@link ParsedCsr} that come from reading the DER (not the signature check). */
export type CsrReading = Omit<ParsedCsr, 'der' | 'csrSha256' | 'signatureValid'>;

/** Reads a CSR's DER with asn1-schema, as parseCsr used to; throws whatever asn1js throws. */
export function readCsrWithAsn1Schema(der: Uint8Array): CsrReading & { signed: Buffer; signature: Buffer } {
  const csr = AsnConvert.parse(der, CertificationRequest);
  const info = csr.certificationRequestInfo;
  const sans = subjectAltNames(
    info.attributes
      .filter((attribute) => attribute.type === id_pkcs9_at_extensionRequest)
      .flatMap((attribute) =>
        attribute.values.flatMap((value) => [...AsnConvert.parse(value, ExtensionRequest)]),
      ),
  );
  const signature = nameSignatureAlgorithm(csr.signatureAlgorithm.algorithm);
  const spkiDer = Buffer.from(AsnConvert.serialize(info.subjectPKInfo));
  return {
    subjectCommonName: commonName(info.subject),
    dnsNames: sans.dnsNames,
    ipAddresses: sans.ipAddresses,
    otherSanTypes: sans.otherTypes,
    publicKey: summarize(info.subjectPKInfo),
    publicKeySha256: createHash('sha256').update(spkiDer).digest('hex'),
    signatureAlgorithm: signature.name,
    signatureHash: signature.hash,
    signed: Buffer.from(csr.certificationRequestInfoRaw ?? AsnConvert.serialize(info)),
    signature: Buffer.from(csr.signature),
  };
}

function commonName(subject: Name): string | undefined {
  const values = subject.flatMap((rdn) => rdn.filter((attribute) => attribute.type === '2.5.4.3'));
  if (values.length > 1) throw new RangeError('the subject has more than one Common Name');
  if (values.length === 0) return undefined;
  const { value } = values[0];
  if (value.anyValue !== undefined) throw new RangeError('the Common Name is not a string');
  return value.toString() || undefined;
}

function subjectAltNames(extensions: Extension[]): {
  dnsNames: string[];
  ipAddresses: string[];
  otherTypes: string[];
} {
  const sans = extensions.filter((e) => e.extnID === id_ce_subjectAltName);
  if (sans.length > 1) throw new RangeError('more than one subjectAltName extension');
  const result = { dnsNames: [] as string[], ipAddresses: [] as string[], otherTypes: [] as string[] };
  if (sans.length === 0) return result;
  const other = new Set<string>();
  for (const name of AsnConvert.parse(sans[0].extnValue.buffer, SubjectAlternativeName)) {
    if (name.dNSName !== undefined) result.dnsNames.push(name.dNSName);
    else if (name.iPAddress !== undefined) result.ipAddresses.push(canonicalIp(name.iPAddress));
    else other.add(otherKind(name));
  }
  result.otherTypes = [...other];
  return result;
}

function otherKind(name: GeneralName): string {
  if (name.rfc822Name !== undefined) return 'email';
  if (name.uniformResourceIdentifier !== undefined) return 'uri';
  if (name.otherName !== undefined) return 'otherName';
  if (name.directoryName !== undefined) return 'directoryName';
  if (name.registeredID !== undefined) return 'registeredID';
  if (name.ediPartyName !== undefined) return 'ediPartyName';
  return 'x400Address';
}

function summarize(spki: SubjectPublicKeyInfo): PublicKeySummary {
  const oid = spki.algorithm.algorithm;
  if (oid === '1.2.840.113549.1.1.1') {
    const key = AsnConvert.parse(spki.subjectPublicKey, RSAPublicKey);
    const modulus = unsigned(key.modulus);
    return {
      kind: 'rsa',
      modulusBits: modulus === 0n ? 0 : modulus.toString(2).length,
      exponent: Number(unsigned(key.publicExponent)),
    };
  }
  if (oid === '1.2.840.10045.2.1') {
    const parameters = spki.algorithm.parameters;
    const namedCurve = parameters ? AsnConvert.parse(parameters, ECParameters).namedCurve : undefined;
    return { kind: 'ec', curve: namedCurve ? (CURVES[namedCurve] ?? namedCurve) : 'explicit parameters' };
  }
  return { kind: 'other', algorithm: KEY_ALGORITHMS[oid] ?? oid };
}

function unsigned(bytes: ArrayBuffer): bigint {
  const hex = Buffer.from(bytes).toString('hex');
  return hex === '' ? 0n : BigInt(`0x${hex}`);
}
