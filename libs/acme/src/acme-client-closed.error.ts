import { AcmeNetworkError } from './acme-network.error';

/**
 * The request was cut off, or never sent, because the client was closed (the process is
 * shutting down). A network error like any other to whoever classifies it (the CA did not
 * answer, so a later attempt resumes the same order); the worker recognises it to hand the
 * order back to the queue instead of counting a failed attempt.
 */
export class AcmeClientClosedError extends AcmeNetworkError {
  constructor(method: string, url: string) {
    super('ECANCELED', method, url, 'the ACME client was closed (shutting down)');
    this.name = 'AcmeClientClosedError';
  }
}
