/**
 * Base class of every error `@fleetcert/dns` throws on purpose, so callers can tell
 * "the DNS layer said no" apart from programming errors with one `instanceof`.
 *
 * Messages never contain TSIG secrets: errors end up in logs and job failure records.
 */
export abstract class DnsError extends Error {
  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // `keepClassNames` keeps `new.target.name` meaningful after compilation.
    this.name = new.target.name;
  }
}
