/**
 * A timestamptz column as canonical text (UTC, six fractional digits). Microseconds decide event
 * order, and a JS Date would drop them, so Postgres formats the instant.
 */
export const instant = (column: string, alias = column.replace(/^\w+\./, '')): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${alias}`;
