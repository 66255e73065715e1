import { CaRateLimits, isLimitName, LimitName, LIMIT_NAMES, perPeriod } from './limits';
import { LETS_ENCRYPT, LETS_ENCRYPT_STAGING, PRESETS } from './presets';

/**
 * The parsed `FLEETCERT_RATE_LIMITS` setting: a preset (or `auto`, chosen by the ACME
 * directory), then per-limit overrides.
 */
export interface RateLimitSpec {
  preset: 'auto' | keyof typeof PRESETS;
  /** `count` per `periodMs` with a bucket of `capacity` (default `count`), or `off` to stop modelling a limit. */
  overrides: Partial<Record<LimitName, { count: number; periodMs: number; capacity: number } | 'off'>>;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `preset[,limit=count/period[:capacity]|limit=off...]`, e.g. `letsencrypt`,
 * `letsencrypt,newOrdersPerAccount=1500/3h`, `none`. Periods are a whole number with a
 * unit: `ms`, `s`, `m`, `h`, `d`. The bucket holds `count` tokens unless `:capacity` says
 * otherwise (Let's Encrypt's consecutive-failure limit is `1/1d:1152`).
 *
 * @throws Error naming what is wrong, for the configuration loader to report.
 */
export function parseRateLimitSpec(raw: string): RateLimitSpec {
  const [head, ...rest] = raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const presets = ['auto', ...Object.keys(PRESETS)];
  if (!head || !presets.includes(head)) {
    throw new Error(`expected a preset (${presets.join(', ')}) first, got "${head ?? ''}"`);
  }
  const overrides: RateLimitSpec['overrides'] = {};
  for (const entry of rest) {
    const match = /^([A-Za-z]+)=(?:(off)|(\d+)\/(\d+)(ms|s|m|h|d)(?::(\d+))?)$/.exec(entry);
    if (!match) {
      throw new Error(
        `expected limit=count/period[:capacity] (e.g. newOrdersPerAccount=300/3h) or limit=off, got "${entry}"`,
      );
    }
    const [, name, off, count, amount, unit, capacity] = match;
    if (!isLimitName(name)) throw new Error(`unknown limit "${name}" (known: ${LIMIT_NAMES.join(', ')})`);
    if (off) {
      overrides[name] = 'off';
      continue;
    }
    const periodMs = Number(amount) * UNITS[unit];
    const bucket = capacity === undefined ? Number(count) : Number(capacity);
    if (Number(count) < 1 || periodMs < 1 || bucket < 1) {
      throw new Error(`${name}: count, period and capacity must be positive`);
    }
    overrides[name] = { count: Number(count), periodMs, capacity: bucket };
  }
  return { preset: head as RateLimitSpec['preset'], overrides };
}

/**
 * The limits to model for the CA at `directoryUrl`. `auto` picks Let's Encrypt staging for
 * its staging directory and Let's Encrypt's production limits for every other CA — the
 * cautious default; set `none` for a CA without limits.
 */
export function resolveRateLimits(spec: RateLimitSpec, directoryUrl: string): CaRateLimits {
  const base =
    spec.preset === 'auto'
      ? new URL(directoryUrl).hostname === 'acme-staging-v02.api.letsencrypt.org'
        ? LETS_ENCRYPT_STAGING
        : LETS_ENCRYPT
      : PRESETS[spec.preset];
  const entries = Object.entries(spec.overrides) as [LimitName, RateLimitSpec['overrides'][LimitName]][];
  if (entries.length === 0) return base;
  const limits = { ...base.limits };
  for (const [name, override] of entries) {
    if (override === 'off' || override === undefined) delete limits[name];
    else limits[name] = perPeriod(name, override.count, override.periodMs, override.capacity);
  }
  const described = entries
    .map(([name, o]) =>
      o === 'off' || !o ? `${name}=off` : `${name}=${o.count}/${o.periodMs}ms:${o.capacity}`,
    )
    .join(',');
  return { ...base, name: `${base.name},${described}`, limits };
}
