import type { KeyObject } from 'node:crypto';
import type { Client } from 'acme-client';

// Every use of acme-client's non-public members, in one place. The version is pinned
// (5.4.0) and each accessor checks the shape at run time, so an upgrade that changes them
// fails loudly at the first call instead of misbehaving.

/**
 * `client.http` (HttpClient): every request goes through `request`; signed ones take a nonce
 * from `getNonce`; `getResourceUrl` reads the directory (cached by the client).
 */
export interface HttpClientInternals {
  request(url: string, method: string, opts?: Record<string, unknown>): Promise<AxiosLikeResponse>;
  getNonce(): Promise<string>;
  getResourceUrl(resource: string): Promise<string>;
}

export interface AxiosLikeResponse {
  data: unknown;
  status: number;
  headers: Record<string, unknown>;
}

interface AcmeApiInternals {
  createAccount(data: object): Promise<AxiosLikeResponse>;
}

export function httpClientOf(client: Client): HttpClientInternals {
  const http = (client as unknown as { http?: Partial<HttpClientInternals> }).http;
  if (
    !http ||
    typeof http.request !== 'function' ||
    typeof http.getNonce !== 'function' ||
    typeof http.getResourceUrl !== 'function'
  ) {
    throw new Error(
      'acme-client internals changed (expected client.http.request/getNonce/getResourceUrl): check the pinned version',
    );
  }
  return http as HttpClientInternals;
}

/**
 * `newAccount` without acme-client's follow-up: its `createAccount()` answers a 200
 * ("this key already has an account") with an account update carrying the same payload,
 * which Pebble refuses as an empty update when there is no contact. The 200 and its
 * `Location` are all we need. Also sets the client's account URL (`kid`) for later calls.
 */
export async function registerAccount(
  client: Client,
  payload: object,
): Promise<{ accountUrl: string; created: boolean }> {
  const api = (client as unknown as { api?: Partial<AcmeApiInternals> }).api;
  if (!api || typeof api.createAccount !== 'function') {
    throw new Error(
      'acme-client internals changed (expected client.api.createAccount): check the pinned version',
    );
  }
  const response = await api.createAccount({ ...payload });
  const location = response.headers?.location;
  if (typeof location !== 'string' || location === '')
    throw new Error('newAccount answered without an account URL');
  return { accountUrl: location, created: response.status === 201 };
}

/**
 * Makes `client` sign with an already parsed key. acme-client keeps the account key as PEM
 * (`client.http.accountKey`) and hands that to `crypto.sign` for every signed request, which
 * parses the PEM again each time: about ten times the cost of the P-256 signature itself
 * (measured: 1 ms against 0.1 ms per request, most of an order's CPU; see BENCHMARKS.md).
 * The JWK it derives from the key (`createPublicKey`) accepts a KeyObject just the same.
 */
export function useParsedAccountKey(client: Client, key: KeyObject): void {
  const http = (client as unknown as { http?: { accountKey?: unknown } }).http;
  if (!http || !Buffer.isBuffer(http.accountKey)) {
    throw new Error(
      'acme-client internals changed (expected client.http.accountKey as a Buffer): check the pinned version',
    );
  }
  http.accountKey = key;
}

interface KeyChangeInternals {
  http: { getJwk(): object; createSignedBody(url: string, payload: object): object };
  api: { updateAccountKey(body: object): Promise<AxiosLikeResponse> };
}

function keyChangeInternalsOf(client: Client): KeyChangeInternals {
  const { http, api } = client as unknown as Partial<KeyChangeInternals>;
  if (
    typeof http?.getJwk !== 'function' ||
    typeof http.createSignedBody !== 'function' ||
    typeof api?.updateAccountKey !== 'function'
  ) {
    throw new Error(
      'acme-client internals changed (expected client.http.getJwk/createSignedBody, client.api.updateAccountKey): check the pinned version',
    );
  }
  return { http, api } as KeyChangeInternals;
}

/**
 * RFC 8555 §7.3.5 `keyChange`: the inner JWS, signed by the new key (`next`), names the
 * account and its old key; the outer request is signed by the old key (`current`), as
 * acme-client's `updateAccountKey` does. That method is not used because it makes its own
 * HTTP client for the new key (axios, without our transport and CA bundle); `next` here is
 * a client the caller has already set up like every other.
 */
export async function changeAccountKey(current: Client, next: Client, accountUrl: string): Promise<void> {
  const old = keyChangeInternalsOf(current);
  const fresh = keyChangeInternalsOf(next);
  const url = await httpClientOf(next).getResourceUrl('keyChange');
  const inner = fresh.http.createSignedBody(url, { account: accountUrl, oldKey: old.http.getJwk() });
  await old.api.updateAccountKey(inner);
}
