import { AcmeNetworkError } from './acme-network.error';

/**
 * The request was cut off, or never sent, because the client was closed (the process is
 * shutting down). A network error like any other to whoever classifies it: the CA gave no
 * answer, so a later attempt resumes the same order.
 */
export class AcmeClientClosedError extends AcmeNetworkError {
  constructor(method: string, url: string) {
    super('ECANCELED', method, url, 'the ACME client was closed (shutting down)');
    this.name = 'AcmeClientClosedError';
  }
}
