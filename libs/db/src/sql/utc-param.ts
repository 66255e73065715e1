/**
 * A `Date` parameter of a prepared statement as a UTC `timestamp`, whatever the process's
 * time zone: pg sends a Date as local time with its offset, and a plain `timestamp` column
 * would drop that offset. Cast through `timestamptz` the offset is honoured.
 *
 * @param n the parameter's position (`$n`)
 */
export function utcParam(n: number): string {
  return `($${n}::timestamptz AT TIME ZONE 'UTC')`;
}

/** A UTC `timestamp` column or expression as epoch milliseconds (`float8`), for statements. */
export function epochMsOf(column: string): string {
  return `(extract(epoch from ${column}) * 1000)::float8`;
}
