/**
 * Sorts a failed query into "the database is unreachable or overloaded" (the provider should retry:
 * 503) and everything else. SQLSTATE classes 08 (connection), 53 (resources), 57 (operator
 * intervention: shutdown, cannot connect now) and socket errors count as unavailable.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') {
    const message = error instanceof Error ? error.message : '';
    return /timeout|terminated|Connection|ECONN|EPIPE/i.test(message);
  }
  return /^(08|53|57)/.test(code) || /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NOTFOUND)$/.test(code);
}

/**
 * A failure the request's own content caused: Postgres refusing a value (SQLSTATE class 22, data
 * exception, such as U+0000 in text) or input nested deeper than the stack. The answer is a 400.
 */
export function isCausedByInput(error: unknown): boolean {
  if (error instanceof RangeError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}
