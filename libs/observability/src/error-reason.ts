/** The non-empty lines of an error message, trimmed (Prisma's open with blank lines). */
export function messageLines(message: string): string[] {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/**
 * What was thrown, as text: an Error's message, anything else (a string, a rejection value)
 * as `String` gives it. `(err as Error).message` would log `undefined` for the rest.
 */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One line saying why something failed, from an error's message. Prisma's messages open
 * with blank lines and the call site, and end with what the database said: the last
 * non-empty line is the reason.
 */
export function errorReason(err: unknown, maxLength = 200): string {
  return (messageLines(errorMessage(err)).at(-1) ?? 'failed').slice(0, maxLength);
}
