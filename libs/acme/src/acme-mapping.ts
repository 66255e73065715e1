import type {
  AcmeAuthorization,
  AcmeAuthorizationStatus,
  AcmeChallenge,
  AcmeChallengeStatus,
  AcmeDirectory,
  AcmeIdentifier,
  AcmeOrder,
  AcmeOrderStatus,
  AcmeProblemDocument,
} from './acme-client.port';

// The CA's JSON → our types, checked: a CA (or a proxy in front of it) answering nonsense
// fails here with a clear message instead of deep inside the worker.

type Json = Record<string, unknown>;

const ORDER_STATUSES: readonly AcmeOrderStatus[] = ['pending', 'ready', 'processing', 'valid', 'invalid'];
const AUTHZ_STATUSES: readonly AcmeAuthorizationStatus[] = [
  'pending',
  'valid',
  'invalid',
  'deactivated',
  'expired',
  'revoked',
];
const CHALLENGE_STATUSES: readonly AcmeChallengeStatus[] = ['pending', 'processing', 'valid', 'invalid'];

export function toDirectory(url: string, body: unknown): AcmeDirectory {
  const doc = record(body, `directory ${url}`);
  const meta = isRecord(doc.meta) ? doc.meta : {};
  const profiles = isRecord(meta.profiles)
    ? Object.fromEntries(
        Object.entries(meta.profiles).map(([name, description]) => [name, String(description)]),
      )
    : undefined;
  return {
    url,
    newNonce: requiredString(doc, 'newNonce', 'directory'),
    newAccount: requiredString(doc, 'newAccount', 'directory'),
    newOrder: requiredString(doc, 'newOrder', 'directory'),
    revokeCert: requiredString(doc, 'revokeCert', 'directory'),
    ...(typeof doc.keyChange === 'string' && { keyChange: doc.keyChange }),
    ...(typeof doc.renewalInfo === 'string' && { renewalInfo: doc.renewalInfo }),
    meta: {
      ...(typeof meta.termsOfService === 'string' && { termsOfService: meta.termsOfService }),
      ...(typeof meta.website === 'string' && { website: meta.website }),
      ...(Array.isArray(meta.caaIdentities) && { caaIdentities: meta.caaIdentities.map(String) }),
      ...(typeof meta.externalAccountRequired === 'boolean' && {
        externalAccountRequired: meta.externalAccountRequired,
      }),
      ...(profiles && Object.keys(profiles).length > 0 && { profiles }),
    },
  };
}

export function toOrder(body: unknown, url: string): AcmeOrder {
  const doc = record(body, `order ${url}`);
  const status = oneOf(doc.status, ORDER_STATUSES, `status of order ${url}`);
  return {
    url,
    status,
    identifiers: Array.isArray(doc.identifiers)
      ? doc.identifiers.map((i) => toIdentifier(i, `order ${url}`))
      : [],
    authorizations: Array.isArray(doc.authorizations) ? doc.authorizations.map(String) : [],
    finalize: requiredString(doc, 'finalize', `order ${url}`),
    ...(typeof doc.certificate === 'string' && { certificate: doc.certificate }),
    ...(optionalDate(doc.expires) && { expires: optionalDate(doc.expires) }),
    ...(typeof doc.profile === 'string' && { profile: doc.profile }),
    ...(isRecord(doc.error) && { error: toProblemDocument(doc.error) }),
  };
}

export function toAuthorization(body: unknown, url: string): AcmeAuthorization {
  const doc = record(body, `authorization ${url}`);
  return {
    url,
    status: oneOf(doc.status, AUTHZ_STATUSES, `status of authorization ${url}`),
    identifier: toIdentifier(doc.identifier, `authorization ${url}`),
    challenges: Array.isArray(doc.challenges) ? doc.challenges.map((c) => toChallenge(c)) : [],
    ...(optionalDate(doc.expires) && { expires: optionalDate(doc.expires) }),
    ...(doc.wildcard === true && { wildcard: true }),
  };
}

export function toChallenge(body: unknown, fallbackUrl?: string): AcmeChallenge {
  const doc = record(body, `challenge ${fallbackUrl ?? ''}`);
  const url = typeof doc.url === 'string' ? doc.url : fallbackUrl;
  if (!url) throw new Error('challenge without url');
  return {
    type: requiredString(doc, 'type', `challenge ${url}`),
    url,
    token: typeof doc.token === 'string' ? doc.token : '',
    status: oneOf(doc.status, CHALLENGE_STATUSES, `status of challenge ${url}`),
    ...(optionalDate(doc.validated) && { validated: optionalDate(doc.validated) }),
    ...(isRecord(doc.error) && { error: toProblemDocument(doc.error) }),
  };
}

function toProblemDocument(doc: Json): AcmeProblemDocument {
  return {
    type: typeof doc.type === 'string' ? doc.type : 'about:blank',
    ...(typeof doc.detail === 'string' && { detail: doc.detail }),
    ...(typeof doc.status === 'number' && { status: doc.status }),
    ...(Array.isArray(doc.subproblems) && {
      subproblems: doc.subproblems.filter(isRecord).map((sub) => ({
        type: typeof sub.type === 'string' ? sub.type : 'about:blank',
        ...(typeof sub.detail === 'string' && { detail: sub.detail }),
        ...(isRecord(sub.identifier) && { identifier: toIdentifier(sub.identifier, 'subproblem') }),
      })),
    }),
  };
}

function toIdentifier(value: unknown, where: string): AcmeIdentifier {
  const doc = record(value, `identifier of ${where}`);
  if ((doc.type !== 'dns' && doc.type !== 'ip') || typeof doc.value !== 'string') {
    throw new Error(`unsupported identifier in ${where}: ${JSON.stringify(value)}`);
  }
  return { type: doc.type, value: doc.value };
}

function record(value: unknown, what: string): Json {
  if (!isRecord(value)) throw new Error(`${what}: expected a JSON object from the CA`);
  return value;
}

function requiredString(doc: Json, key: string, what: string): string {
  const value = doc[key];
  if (typeof value !== 'string' || value === '') throw new Error(`${what}: "${key}" missing`);
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T))
    throw new Error(`${what}: unexpected ${JSON.stringify(value)}`);
  return value as T;
}

function optionalDate(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
