import { createHash } from 'node:crypto';
import { canonicalIp } from '../identifiers';
import { readCsrWithAsn1Schema } from '../testing/asn1-csr-oracle';
import {
  GeneralNameSpec,
  OIDS,
  STRING_TYPES,
  SignerSpec,
  TestSigner,
  attribute,
  extension,
  makeSigner,
  name,
  requestInfo,
  seq,
  set,
  signedRequest,
  subjectAltName,
  tlv,
} from '../testing/csr-builder';
import { csrPem } from '../testing/pki-fixtures';
import { readCertificationRequest } from './certification-request';
import { CsrError } from './csr-error';
import { ParsedCsr, parseCsr } from './parse-csr';
import { seededRandom } from '../../../../test/support/seeded-random';

// The DER walk against the asn1-schema reading it replaced (testing/asn1-csr-oracle.ts), on
// a seeded random corpus of requests built byte by byte: both must read every field alike,
// and both must match what was built. Then malformed inputs: every one must be refused as
// `malformed`, and nothing else may ever be thrown.

const SIGNER_SPECS: SignerSpec[] = [
  { rsa: 2048 },
  { rsa: 3072 },
  { rsa: 4096 },
  { ec: 'P-256' },
  { ec: 'P-384' },
  { ec: 'P-521' },
  { ed25519: true },
  { rsa: 2048, pss: 'explicit' },
  { rsa: 2048, pss: 'default' },
  { rsaPssKey: 2048 },
];

const EDGE_IPS = [
  [0, 0, 0, 0],
  [255, 255, 255, 255],
  [192, 0, 2, 10],
  [...Array(16).fill(0)],
  [...Array(15).fill(0), 1],
  [...Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 1],
  [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1],
];

const CN_TEXTS: Readonly<Record<string, string[]>> = {
  utf8: ['device-1.fleet.example.com', 'bücher.example', 'デバイス.example', ''],
  printable: ['device-2.fleet.example.com', 'Device 2'],
  teletex: ['device-3.example.com', 'café.example'],
  ia5: ['device-4.example.com'],
  bmp: ['device-5.example.com', 'Ωmega.example'],
  universal: ['device-6.example.com', 'Zürich.example'],
};

type Layout = 'one value' | 'two values' | 'two attributes' | 'with other attributes' | 'no extensions';

/** What a corpus CSR was built to say, independently of either reader. */
interface Built {
  what: string;
  pem: string;
  der: Buffer;
  expected: Omit<ParsedCsr, 'der' | 'csrSha256' | 'signatureAlgorithm' | 'signatureHash' | 'publicKey'>;
}

function buildCorpus(signers: TestSigner[], count: number): Built[] {
  const next = seededRandom(2986);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const corpus: Built[] = [];
  for (let i = 0; i < count; i++) {
    const signer = signers[i % signers.length];
    const cnType = next() < 0.2 ? undefined : pick(Object.keys(STRING_TYPES));
    const cn = cnType ? pick(CN_TEXTS[cnType]) : undefined;
    const rdns: [string, number, Buffer][][] = [];
    if (next() < 0.5) rdns.push([[OIDS.country, 0x13, Buffer.from('DE')]]);
    if (cnType && cn !== undefined) {
      const cnAttribute: [string, number, Buffer] = [
        OIDS.commonName,
        STRING_TYPES[cnType].tag,
        STRING_TYPES[cnType].encode(cn),
      ];
      // A multi-valued RDN now and then: the CN is found inside it too.
      if (next() < 0.2) rdns.push([[OIDS.organization, 0x0c, Buffer.from('Acme')], cnAttribute]);
      else rdns.push([cnAttribute]);
    }
    const sanCount = next() < 0.15 ? 0 : next() < 0.1 ? 100 : 1 + Math.floor(next() * 6);
    const names: GeneralNameSpec[] = [];
    for (let k = 0; k < sanCount; k++) {
      const kind =
        k === 0
          ? 'dns'
          : pick([
              'dns',
              'dns',
              'dns',
              'ip4',
              'ip6',
              'edge-ip',
              'email',
              'uri',
              'registeredID',
              'otherName',
              'directoryName',
            ]);
      if (kind === 'dns') names.push({ dns: `d${i}-${k}.fleet.example.com` });
      else if (kind === 'ip4')
        names.push({ ip: Buffer.from([1, 2, 3, 4].map(() => Math.floor(next() * 256))) });
      else if (kind === 'ip6')
        names.push({ ip: Buffer.from(Array.from({ length: 16 }, () => Math.floor(next() * 256))) });
      else if (kind === 'edge-ip') names.push({ ip: Buffer.from(pick(EDGE_IPS)) });
      else if (kind === 'email') names.push({ email: `ops${k}@example.com` });
      else if (kind === 'uri') names.push({ uri: `https://example.com/${k}` });
      else if (kind === 'registeredID') names.push({ registeredID: `1.3.6.1.4.1.${k}.${2 ** 40 + k}` });
      else if (kind === 'otherName') names.push({ otherName: `upn${k}@example.com` });
      else names.push({ directoryName: `dir${k}` });
    }
    const layout: Layout = pick([
      'one value',
      'two values',
      'two attributes',
      'with other attributes',
      'no extensions',
    ]);
    const critical = pick([undefined, true, false]);
    const san = sanCount > 0 ? [subjectAltName(names, critical)] : [];
    const basicConstraints = extension(OIDS.basicConstraints, seq(), true);
    const keyUsage = extension(OIDS.keyUsage, tlv(0x03, Buffer.from([0x05, 0xa0])));
    const attributes: Buffer[] = [];
    if (layout === 'one value')
      attributes.push(attribute(OIDS.extensionRequest, seq(basicConstraints, ...san, keyUsage)));
    else if (layout === 'two values')
      attributes.push(attribute(OIDS.extensionRequest, seq(keyUsage), seq(...san)));
    else if (layout === 'two attributes')
      attributes.push(
        attribute(OIDS.extensionRequest, seq(keyUsage)),
        attribute(OIDS.extensionRequest, seq(...san)),
      );
    else if (layout === 'with other attributes')
      attributes.push(
        attribute(OIDS.challengePassword, tlv(0x13, Buffer.from('secret'))),
        // Microsoft's extension request: not PKCS #9's, so neither reader takes its SAN.
        attribute(OIDS.msExtensionRequest, seq(subjectAltName([{ dns: 'ignored.example.com' }]))),
        attribute(OIDS.extensionRequest, seq(...san)),
        attribute(OIDS.unstructuredName, tlv(0x16, Buffer.from('unit 7'))),
      );
    else if (sanCount > 0) continue; // 'no extensions' only makes sense without SANs
    const der = signedRequest(requestInfo(name(rdns), signer.spki, attributes), signer);
    const pem =
      next() < 0.2 ? csrPem(der).replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST') : csrPem(der);
    corpus.push({
      what: `#${i} ${signer.label}, CN ${cnType ?? 'none'}, ${sanCount} SANs, ${layout}`,
      pem,
      der,
      expected: {
        subjectCommonName: cn || undefined,
        dnsNames: names.flatMap((n) => ('dns' in n ? [n.dns] : [])),
        ipAddresses: names.flatMap((n) => ('ip' in n ? [ipText(n.ip)] : [])),
        otherSanTypes: [
          ...new Set(names.flatMap((n) => Object.keys(n).filter((k) => k !== 'dns' && k !== 'ip'))),
        ].map((k) =>
          k === 'registeredID' || k === 'otherName' || k === 'directoryName'
            ? k
            : k === 'email'
              ? 'email'
              : 'uri',
        ),
        publicKeySha256: createHash('sha256').update(signer.spki).digest('hex'),
        signatureValid: true,
      },
    });
  }
  return corpus;
}

function ipText(octets: Buffer): string {
  if (octets.length === 4) return canonicalIp([...octets].join('.'));
  return canonicalIp(octets.toString('hex').replace(/(.{4})(?!$)/g, '$1:'));
}

async function refusal(pem: string): Promise<unknown> {
  return parseCsr(pem).then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** Every element of a (valid) DER tree, outside primitive contents, with where its length is written. */
function treeElements(der: Buffer, start = 0, end = der.length, path: number[] = []) {
  const out: { path: string; tagAt: number; lastLengthAt: number; constructed: boolean }[] = [];
  for (let offset = start, index = 0; offset < end; index++) {
    let length = der[offset + 1];
    let contentStart = offset + 2;
    if (length & 0x80) {
      const octets = length & 0x7f;
      length = der.readUIntBE(offset + 2, octets);
      contentStart += octets;
    }
    const here = [...path, index];
    out.push({
      path: here.join('.'),
      tagAt: offset,
      lastLengthAt: contentStart - 1,
      constructed: !!(der[offset] & 0x20),
    });
    if (der[offset] & 0x20) out.push(...treeElements(der, contentStart, contentStart + length, here));
    offset = contentStart + length;
  }
  return out;
}

describe('parseCsr against the asn1-schema reading (parity)', () => {
  let signers: TestSigner[];
  let corpus: Built[];

  beforeAll(() => {
    signers = SIGNER_SPECS.map(makeSigner);
    corpus = buildCorpus(signers, 160);
  }, 60_000);

  it('should build a corpus that covers every key, SAN kind and attribute layout', () => {
    const whats = corpus.map((c) => c.what).join('\n');
    for (const label of signers.map((s) => s.label)) expect(whats).toContain(label);
    for (const layout of [
      'one value',
      'two values',
      'two attributes',
      'with other attributes',
      'no extensions',
    ])
      expect(whats).toContain(layout);
    expect(whats).toMatch(/ 100 SANs/);
    expect(corpus.some((c) => c.pem.includes('NEW CERTIFICATE REQUEST'))).toBe(true);
    const kinds = new Set(corpus.flatMap((c) => c.expected.otherSanTypes));
    expect([...kinds].sort()).toEqual(['directoryName', 'email', 'otherName', 'registeredID', 'uri']);
    expect(corpus.some((c) => c.expected.ipAddresses.some((ip) => ip.includes(':')))).toBe(true);
  });

  it('should read every field as built, as the asn1-schema reading does, and verify every signature', async () => {
    for (const { what, pem, der, expected } of corpus) {
      const parsed = await parseCsr(pem);
      const { signed, signature, ...oracle } = readCsrWithAsn1Schema(der);
      const parts = readCertificationRequest(der);
      const actual = { what, ...parsed };
      expect(actual).toEqual({
        what,
        ...expected,
        ...oracle,
        der,
        csrSha256: createHash('sha256').update(der).digest('hex'),
      });
      expect(parts.info.equals(signed)).toBe(true);
      expect(parts.signature.equals(signature)).toBe(true);
    }
  });

  describe('malformed inputs', () => {
    let samples: { what: string; der: Buffer }[];

    beforeAll(() => {
      const san = subjectAltName([{ dns: 'a.example.com' }, { ip: Buffer.from([192, 0, 2, 1]) }]);
      const subject = name([[[OIDS.commonName, 0x0c, Buffer.from('a.example.com')]]]);
      const request = (signer: TestSigner) =>
        signedRequest(
          requestInfo(subject, signer.spki, [attribute(OIDS.extensionRequest, seq(san))]),
          signer,
        );
      samples = [
        { what: 'P-256', der: request(signers[3]) },
        { what: 'RSA-2048', der: request(signers[0]) },
      ];
    });

    /** Refused as malformed by parseCsr, with nothing else thrown. */
    async function expectMalformed(der: Buffer, what: string): Promise<void> {
      const error = await refusal(csrPem(der));
      expect({ what, error }).toEqual({ what, error: expect.any(CsrError) });
      expect((error as CsrError).code).toBe('malformed');
    }

    it('should refuse the request truncated at every byte offset', async () => {
      for (const { what, der } of samples)
        for (let length = 0; length < der.length; length++)
          await expectMalformed(der.subarray(0, length), `${what}[0, ${length})`);
    });

    it('should refuse every element length made one longer or one shorter', async () => {
      for (const { what, der } of samples) {
        for (const element of treeElements(der)) {
          for (const delta of [1, -1]) {
            const altered = Buffer.from(der);
            altered[element.lastLengthAt] = (altered[element.lastLengthAt] + delta) & 0xff;
            await expectMalformed(
              altered,
              `${what} element ${element.path} length ${delta > 0 ? '+1' : '-1'}`,
            );
          }
        }
      }
    });

    it('should refuse a wrong tag wherever RFC 2986 fixes one', async () => {
      const { der } = samples[0];
      // path → tags that must not be accepted there (the original is always one of the fixed ones).
      const wrongTags: Record<string, number[]> = {
        '0': [0x31, 0xa0, 0x1f],
        '0.0': [0x31, 0x04],
        '0.0.0': [0x04, 0x0a, 0x03, 0x1f],
        '0.0.1': [0x31, 0x04],
        '0.0.1.0': [0x30],
        '0.0.1.0.0': [0x31],
        '0.0.1.0.0.0': [0x04, 0x0d],
        '0.0.1.0.0.1': [0x02, 0x04, 0x1f],
        '0.0.2': [0x31],
        '0.0.2.0': [0x31],
        '0.0.2.0.0': [0x04],
        '0.0.2.1': [0x04, 0x02],
        '0.0.3': [0x31, 0x30, 0xa1, 0x80],
        '0.0.3.0': [0x31],
        '0.0.3.0.0': [0x04],
        '0.0.3.0.1': [0x30, 0xa0],
        '0.0.3.0.1.0': [0x31],
        '0.0.3.0.1.0.0': [0x31],
        '0.0.3.0.1.0.0.0': [0x04],
        '0.0.3.0.1.0.0.1': [0x03, 0x30],
        '0.1': [0x31],
        '0.1.0': [0x04],
        '0.2': [0x04, 0x30],
      };
      const elements = new Map(treeElements(der).map((e) => [e.path, e]));
      for (const [path, tags] of Object.entries(wrongTags)) {
        const element = elements.get(path);
        expect({ path, found: !!element }).toEqual({ path, found: true });
        for (const tag of tags) {
          const altered = Buffer.from(der);
          altered[element!.tagAt] = tag;
          await expectMalformed(altered, `tag 0x${tag.toString(16)} at ${path}`);
        }
      }
    });

    it('should refuse indefinite lengths, non-minimal lengths and bytes after an element', async () => {
      const signer = signers[3];
      const subject = name([[[OIDS.commonName, 0x0c, Buffer.from('a.example.com')]]]);
      const sanValue = seq(tlv(0x82, Buffer.from('a.example.com')));
      const info = (attributes: Buffer[], version = tlv(0x02, Buffer.from([0]))) =>
        seq(version, subject, signer.spki, tlv(0xa0, ...attributes));
      const good = info([attribute(OIDS.extensionRequest, seq(extension(OIDS.subjectAltName, sanValue)))]);
      const { algorithm, signature } = signer.sign(good);
      const bits = tlv(0x03, Buffer.from([0]), signature);
      const indefinite = (tag: number, content: Buffer) =>
        Buffer.concat([Buffer.from([tag, 0x80]), content, Buffer.from([0, 0])]);
      const sanRequest = (value: Buffer) =>
        seq(
          info([attribute(OIDS.extensionRequest, seq(extension(OIDS.subjectAltName, value)))]),
          algorithm,
          bits,
        );
      const cases: [string, Buffer][] = [
        ['an indefinite outer length', indefinite(0x30, Buffer.concat([good, algorithm, bits]))],
        [
          'an indefinite certificationRequestInfo',
          seq(indefinite(0x30, good.subarray(good[1] & 0x80 ? 2 + (good[1] & 0x7f) : 2)), algorithm, bits),
        ],
        ['an indefinite GeneralNames', sanRequest(indefinite(0x30, tlv(0x82, Buffer.from('a.example.com'))))],
        [
          'a version length in long form',
          seq(info([], Buffer.from([0x02, 0x81, 0x01, 0x00])), algorithm, bits),
        ],
        [
          'a length with a leading zero octet',
          seq(
            Buffer.concat([Buffer.from([0x30, 0x82, 0x00, good.length - 2]), good.subarray(2)]),
            algorithm,
            bits,
          ),
        ],
        ['a fourth part in the request', seq(good, algorithm, bits, Buffer.from([0x05, 0x00]))],
        [
          'a fifth part in the request info',
          seq(seq(good.subarray(2), Buffer.from([0x05, 0x00])), algorithm, bits),
        ],
        [
          'bytes after the GeneralNames in the SAN value',
          sanRequest(Buffer.concat([sanValue, Buffer.from([0])])),
        ],
        ['a SAN entry of no GeneralName kind ([9])', sanRequest(seq(tlv(0x89, Buffer.from('x'))))],
        ['a constructed dNSName', sanRequest(seq(tlv(0xa2, tlv(0x16, Buffer.from('a.example.com')))))],
        ['an iPAddress of 5 bytes', sanRequest(seq(tlv(0x87, Buffer.from([1, 2, 3, 4, 5]))))],
        [
          'signature bits that are not whole octets',
          seq(good, algorithm, tlv(0x03, Buffer.from([1]), signature)),
        ],
        ['an empty signature BIT STRING', seq(good, algorithm, tlv(0x03))],
        ['version 1', seq(info([], tlv(0x02, Buffer.from([1]))), algorithm, bits)],
        ['no attributes field', seq(seq(tlv(0x02, Buffer.from([0])), subject, signer.spki), algorithm, bits)],
        [
          'a Common Name that is not UTF-8',
          seq(
            seq(
              tlv(0x02, Buffer.from([0])),
              name([[[OIDS.commonName, 0x0c, Buffer.from([0xc3, 0x28])]]]),
              signer.spki,
              tlv(0xa0),
            ),
            algorithm,
            bits,
          ),
        ],
        [
          'a BMPString Common Name of odd length',
          seq(
            seq(
              tlv(0x02, Buffer.from([0])),
              name([[[OIDS.commonName, 0x1e, Buffer.from([0, 0x61, 0])]]]),
              signer.spki,
              tlv(0xa0),
            ),
            algorithm,
            bits,
          ),
        ],
        [
          'two Common Names in one RDN',
          seq(
            seq(
              tlv(0x02, Buffer.from([0])),
              name([
                [
                  [OIDS.commonName, 0x0c, Buffer.from('a')],
                  [OIDS.commonName, 0x0c, Buffer.from('b')],
                ],
              ]),
              signer.spki,
              tlv(0xa0),
            ),
            algorithm,
            bits,
          ),
        ],
        [
          'an OID with a non-minimal arc',
          seq(
            seq(
              tlv(0x02, Buffer.from([0])),
              seq(set(seq(tlv(0x06, Buffer.from([0x55, 0x80, 0x04])), tlv(0x0c, Buffer.from('a'))))),
              signer.spki,
              tlv(0xa0),
            ),
            algorithm,
            bits,
          ),
        ],
        [
          'two SubjectAltName extensions, one in each value',
          seq(
            info([
              attribute(
                OIDS.extensionRequest,
                seq(extension(OIDS.subjectAltName, sanValue)),
                seq(extension(OIDS.subjectAltName, sanValue)),
              ),
            ]),
            algorithm,
            bits,
          ),
        ],
      ];
      for (const [what, der] of cases) await expectMalformed(der, what);
    });

    it('should refuse or read alike, never throw anything else, for every byte flipped', async () => {
      let accepted = 0;
      for (const { what, der } of samples) {
        for (let at = 0; at < der.length; at++) {
          for (const mask of [0x01, 0x80]) {
            const altered = Buffer.from(der);
            altered[at] ^= mask;
            const parsed = await parseCsr(csrPem(altered)).catch((error: unknown) => error);
            if (parsed instanceof CsrError) {
              expect({ at, mask, code: parsed.code }).toEqual({ at, mask, code: 'malformed' });
              continue;
            }
            // Whatever the walk accepts, the ASN.1 library must read the same way.
            accepted++;
            const { signed, signature, ...oracle } = readCsrWithAsn1Schema(altered);
            expect({
              what,
              at,
              mask,
              ...(parsed as ParsedCsr),
              der: undefined,
              csrSha256: undefined,
              signatureValid: undefined,
            }).toEqual({
              what,
              at,
              mask,
              ...oracle,
              der: undefined,
              csrSha256: undefined,
              signatureValid: undefined,
            });
            const parts = readCertificationRequest(altered);
            expect(parts.info.equals(signed) && parts.signature.equals(signature)).toBe(true);
          }
        }
      }
      // Flips inside names and signatures still parse: the comparison above did run.
      expect(accepted).toBeGreaterThan(100);
    }, 60_000);
  });
});
