/**
 * The dashboard's only way to the server: same-origin calls to the admin API. The session
 * cookie rides along by itself (it is HttpOnly: this code never sees it); every call
 * carries the header the API asks of dashboard sessions for changes.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | undefined | null | string[]>;

type Listener = () => void;
const signedOutListeners = new Set<Listener>();

/** Called whenever the API answers 401: the session ended (expired, revoked, signed out elsewhere). */
export function onSignedOut(listener: Listener): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'x-requested-with': 'fleetcert-dashboard',
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'The server did not answer. Check the connection; the page keeps trying.');
  }
  const text = await res.text();
  const parsed = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const problem = (parsed ?? {}) as { message?: string; requestId?: string };
    if (res.status === 401 && !path.endsWith('/v1/admin/session')) signedOutListeners.forEach((l) => l());
    throw new ApiError(res.status, problem.message ?? `${res.status} ${res.statusText}`, problem.requestId);
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    call<T>('GET', withQuery(path, query), undefined, signal),
  post: <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
  delete: <T>(path: string) => call<T>('DELETE', path),
};

/** True when the server said that the `fleetcert_signed_in` marker cookie exists (no secret in it). */
export function hasSessionMarker(): boolean {
  return document.cookie.split(';').some((c) => c.trim().startsWith('fleetcert_signed_in='));
}
