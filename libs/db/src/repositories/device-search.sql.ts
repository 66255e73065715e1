/**
 * The SQL of the device search (`GET /v1/admin/devices?q=`), run by
 * `DeviceRepository.list`: devices whose hostname, identifier or reported address starts
 * with the search text, with the list's other filters, newest first, one page.
 *
 * Two ways to find a page, and the cheap one depends on how many devices match:
 * - few matches: collect them all through the `text_pattern_ops` prefix indexes and sort
 *   them (a handful of index entries, whatever the fleet size);
 * - many: walk the `(createdAt, id)` index newest first and keep the matches; they are
 *   dense, so a page comes quickly. Collecting and sorting them all would cost as much as
 *   the matches are many (100,000 for a prefix every label shares).
 * The planner chooses from its estimate of the prefix's matches, and one it over-estimates
 * makes it walk most of the fleet for a page of rare matches. So the statement counts the
 * matches first, up to `$13` (an index-only range scan per column that stops there), and
 * runs only the branch the count selects (`One-Time Filter` in the plan).
 *
 * Run it unnamed, never as a named prepared statement: a LIKE pattern becomes an index
 * range only when the planner sees its value, i.e. in a plan made for these parameters
 * (an unnamed statement always gets one; a named one switches to a generic plan after five
 * executions, which could use no prefix index at all). Filters absent from the call are
 * NULL parameters, which that plan folds away.
 *
 * `ORDER BY col USING ~<~` is the order of the `text_pattern_ops` indexes: it makes each
 * capped arm an index scan that stops at its LIMIT, whatever the estimate.
 *
 * Parameters: $1–$4 prefix patterns (LIKE, escaped, `%` appended) for hostname,
 * identifier, ipv4, ipv6, or NULL for a column not searched; $5 status; $6 identifier;
 * $7 hostname; $8 address (IPv4 or IPv6); $9 labels (jsonb object the device's labels
 * contain); $10 and $11 the cursor's createdAt (timestamptz) and id; $12 page size;
 * $13 the count above which matches are "many".
 */

import { utcParam } from '../sql/utc-param';

const COLUMNS = `d.id, d."fleetId", d.identifier, d.label, d.hostname, d.labels, d.status::text AS status,
       d.ipv4, d.ipv6, d."addressesUpdatedAt", d."disabledAt", d."createdAt", d."updatedAt"`;

const FILTERS = `($5::text IS NULL OR d.status::text = $5)
      AND ($6::text IS NULL OR d.identifier = $6)
      AND ($7::text IS NULL OR d.hostname = $7)
      AND ($8::text IS NULL OR d.ipv4 = $8 OR d.ipv6 = $8)
      AND ($9::jsonb IS NULL OR d.labels @> $9::jsonb)
      AND ($10::timestamptz IS NULL OR (d."createdAt", d.id) < (${utcParam(10)}, $11::uuid))`;

/** The searched columns and the parameter holding each one's pattern. */
const SEARCHED: [column: string, param: string][] = [
  ['hostname', '$1'],
  ['identifier', '$2'],
  ['ipv4', '$3'],
  ['ipv6', '$4'],
];

/** One arm per searched column: its matches in index order, at most `$13`. */
function prefixArms(select: (column: string) => string): string {
  return SEARCHED.map(
    ([column, param]) =>
      `(SELECT ${select(column)} FROM devices WHERE ${column} LIKE ${param} ORDER BY ${column} USING ~<~ LIMIT $13)`,
  ).join('\n      UNION ALL ');
}

export const DEVICE_SEARCH_SQL = `
WITH probe AS (
  SELECT count(*) AS n FROM (
      ${prefixArms((column) => column)}) m
)
(SELECT ${COLUMNS}
   FROM devices d
  WHERE (SELECT n FROM probe) < $13
    AND d.id IN (
      ${prefixArms(() => 'id')})
    AND ${FILTERS}
  ORDER BY d."createdAt" DESC, d.id DESC
  LIMIT $12)
UNION ALL
(SELECT ${COLUMNS}
   FROM devices d
  WHERE (SELECT n FROM probe) >= $13
    AND (d.hostname LIKE $1 OR d.identifier LIKE $2 OR d.ipv4 LIKE $3 OR d.ipv6 LIKE $4)
    AND ${FILTERS}
  ORDER BY d."createdAt" DESC, d.id DESC
  LIMIT $12)
ORDER BY "createdAt" DESC, id DESC`;
