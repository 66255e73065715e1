/**
 * The server or the CA said no to a request (the request `failed`, or the server refused
 * the CSR): the agent tries again with a fresh key, on its slower "refused" schedule.
 */
export class RequestRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestRefusedError';
  }
}
