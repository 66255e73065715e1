/**
 * Reads fields of one JSON object for the configuration parser, collecting every problem
 * (so one run names all mistakes) instead of stopping at the first. Keys that are never
 * read are reported as unknown: a misspelt setting must not be silently ignored.
 */
export class ObjectReader {
  private readonly seen = new Set<string>();
  private readonly obj: Record<string, unknown>;

  constructor(
    value: unknown,
    private readonly prefix: string,
    private readonly problems: string[],
  ) {
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      problems.push(`${this.name()} must be an object`);
      this.obj = {};
    } else {
      this.obj = (value ?? {}) as Record<string, unknown>;
    }
  }

  child(key: string): ObjectReader {
    this.seen.add(key);
    return new ObjectReader(this.obj[key], this.name(key), this.problems);
  }

  string(
    key: string,
    opts: { required?: boolean; pattern?: RegExp; hint?: string } = {},
  ): string | undefined {
    const value = this.take(key);
    if (value === undefined) {
      if (opts.required) this.problems.push(`${this.name(key)} is required`);
      return undefined;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      this.problems.push(`${this.name(key)} must be a non-empty string`);
      return undefined;
    }
    if (opts.pattern && !opts.pattern.test(value)) {
      this.problems.push(`${this.name(key)} ${opts.hint ?? `must match ${opts.pattern}`}`);
      return undefined;
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.problems.push(`${this.name(key)} must be true or false`);
      return fallback;
    }
    return value;
  }

  number(key: string, fallback: number, { min, max }: { min: number; max: number }): number {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.problems.push(`${this.name(key)} must be a number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      this.problems.push(`${this.name(key)} must be one of ${choices.join(', ')}`);
      return fallback;
    }
    return value as T;
  }

  /** Reports the keys nobody read. Call after reading every field. */
  finish(): void {
    for (const key of Object.keys(this.obj)) {
      if (!this.seen.has(key)) this.problems.push(`${this.name(key)} is not a known setting`);
    }
  }

  private take(key: string): unknown {
    this.seen.add(key);
    const value = this.obj[key];
    return value === null ? undefined : value;
  }

  private name(key?: string): string {
    if (key === undefined) return this.prefix || 'the configuration';
    return this.prefix ? `${this.prefix}.${key}` : key;
  }
}
