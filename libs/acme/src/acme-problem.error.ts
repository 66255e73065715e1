import type { AcmeIdentifier } from './acme-client.port';
import { parseRetryAfter } from './retry-after';

const ACME_ERROR_PREFIX = 'urn:ietf:params:acme:error:';

/** One entry of a problem's `subproblems` (RFC 8555 §6.7.1), e.g. per rejected identifier. */
export interface AcmeSubproblem {
  type: string;
  code: string;
  detail: string;
  identifier?: AcmeIdentifier;
}

/** Where the problem came from, for messages and logs (never a request body). */
export interface AcmeProblemContext {
  status?: number;
  method?: string;
  url?: string;
  retryAfter?: Date;
}

/**
 * An ACME problem document (RFC 8555 §6.7, RFC 7807) answered by the CA, or the `error` of
 * a failed challenge, authorization or order. {@link classifyAcmeError} turns it into
 * retry / defer / fail.
 */
export class AcmeProblemError extends Error {
  /** Full type URN, e.g. `urn:ietf:params:acme:error:rateLimited`. */
  readonly type: string;
  /** Short name: the URN's last part for ACME types (`rateLimited`, `badNonce`, ...), else the type itself. */
  readonly code: string;
  readonly detail: string;
  /** HTTP status of the answer (the document's own `status` for challenge errors); 0 when unknown. */
  readonly status: number;
  /** From the `Retry-After` header, when the CA sent one. */
  readonly retryAfter?: Date;
  readonly subproblems: AcmeSubproblem[];
  /** For subproblem-style errors that name one identifier. */
  readonly identifier?: AcmeIdentifier;
  readonly method?: string;
  readonly url?: string;

  constructor(
    problem: { type: string; detail?: string; subproblems?: AcmeSubproblem[]; identifier?: AcmeIdentifier },
    context: AcmeProblemContext = {},
  ) {
    const code = problemCode(problem.type);
    const detail = problem.detail ?? '';
    const where = context.method && context.url ? ` [${context.method.toUpperCase()} ${context.url}]` : '';
    super(
      `ACME ${code}${context.status ? ` (HTTP ${context.status})` : ''}: ${detail || 'no detail'}${where}`,
    );
    this.name = 'AcmeProblemError';
    this.type = problem.type;
    this.code = code;
    this.detail = detail;
    this.status = context.status ?? 0;
    this.retryAfter = context.retryAfter;
    this.subproblems = problem.subproblems ?? [];
    this.identifier = problem.identifier;
    this.method = context.method?.toUpperCase();
    this.url = context.url;
  }

  /**
   * From an error response. A body that is not a problem document (a proxy's HTML page)
   * becomes `about:blank` with the status line and a short excerpt as detail.
   */
  static fromResponse(response: {
    status: number;
    statusText?: string;
    body: string;
    retryAfterHeader?: string | string[];
    method?: string;
    url?: string;
    now?: number;
  }): AcmeProblemError {
    const context: AcmeProblemContext = {
      status: response.status,
      method: response.method,
      url: response.url,
      retryAfter: parseRetryAfter(response.retryAfterHeader, response.now),
    };
    const document = parseJson(response.body);
    if (isRecord(document) && typeof document.type === 'string') {
      return AcmeProblemError.fromDocument(document, context);
    }
    const excerpt = response.body.replace(/\s+/g, ' ').trim().slice(0, 200);
    const statusLine = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    return new AcmeProblemError(
      { type: 'about:blank', detail: excerpt ? `${statusLine}: ${excerpt}` : statusLine },
      context,
    );
  }

  /** From a parsed problem document (a response body, or a challenge's / order's `error`). */
  static fromDocument(document: unknown, context: AcmeProblemContext = {}): AcmeProblemError {
    const doc = isRecord(document) ? document : {};
    const type = typeof doc.type === 'string' && doc.type ? doc.type : 'about:blank';
    const status = context.status ?? (typeof doc.status === 'number' ? doc.status : undefined);
    return new AcmeProblemError(
      {
        type,
        detail: typeof doc.detail === 'string' ? doc.detail : undefined,
        identifier: toIdentifier(doc.identifier),
        subproblems: Array.isArray(doc.subproblems)
          ? doc.subproblems.filter(isRecord).map((sub) => ({
              type: typeof sub.type === 'string' ? sub.type : 'about:blank',
              code: problemCode(typeof sub.type === 'string' ? sub.type : 'about:blank'),
              detail: typeof sub.detail === 'string' ? sub.detail : '',
              identifier: toIdentifier(sub.identifier),
            }))
          : [],
      },
      { ...context, status },
    );
  }
}

/** `urn:ietf:params:acme:error:badNonce` → `badNonce`; other types are returned whole. */
export function problemCode(type: string): string {
  return type.startsWith(ACME_ERROR_PREFIX) ? type.slice(ACME_ERROR_PREFIX.length) : type;
}

/** The full URN of an ACME error code: `rateLimited` → `urn:ietf:params:acme:error:rateLimited`. */
export function acmeErrorType(code: string): string {
  return `${ACME_ERROR_PREFIX}${code}`;
}

function toIdentifier(value: unknown): AcmeIdentifier | undefined {
  if (!isRecord(value) || (value.type !== 'dns' && value.type !== 'ip') || typeof value.value !== 'string') {
    return undefined;
  }
  return { type: value.type, value: value.value };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
