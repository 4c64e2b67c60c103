/** The parts of an HTTP request that signature components are taken from. */
export interface SignedMessage {
  method: string;
  /** Path and query, as on the request line. */
  target: string;
  /** Host (and port) the request was addressed to; the `host` header when absent. */
  authority?: string;
  scheme?: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Component names in the base are bare in the draft Upvest's webhooks use (`@method: POST`) and
 * quoted in later drafts and RFC 9421 (`"@method": POST`), which Upvest's API expects of callers.
 */
export type NameStyle = 'bare' | 'quoted';

export function componentValue(name: string, message: SignedMessage): string | undefined {
  const [path = '', query] = splitTarget(message.target);
  const authority = (message.authority ?? headerValue(message.headers, 'host'))?.toLowerCase();
  // Upvest only ever calls HTTPS URLs; a TLS-terminating proxy in front of us says so explicitly.
  const scheme = (message.scheme ?? headerValue(message.headers, 'x-forwarded-proto')?.split(',')[0]?.trim() ?? 'https').toLowerCase();
  switch (name) {
    case '@method':
      return message.method.toUpperCase();
    case '@path':
      return path;
    case '@query':
      return `?${query ?? ''}`;
    case '@request-target':
      return message.target;
    case '@authority':
      return authority;
    case '@scheme':
      return scheme;
    case '@target-uri':
      return authority ? `${scheme}://${authority}${message.target}` : undefined;
    default:
      return name.startsWith('@') ? undefined : headerValue(message.headers, name);
  }
}

/** The signature base over `components`, or undefined when the message lacks one of them. */
export function signatureBase(components: readonly string[], message: SignedMessage, signatureParams: string, style: NameStyle): string | undefined {
  const name = (component: string) => (style === 'quoted' ? `"${component}"` : component);
  const lines: string[] = [];
  for (const component of components) {
    const value = componentValue(component, message);
    if (value === undefined) return undefined;
    lines.push(`${name(component)}: ${value}`);
  }
  lines.push(`${name('@signature-params')}: ${signatureParams}`);
  return lines.join('\n');
}

function headerValue(headers: SignedMessage['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value.map((item) => item.trim()).join(', ') : value).trim();
}

function splitTarget(target: string): [string, string | undefined] {
  const mark = target.indexOf('?');
  return mark < 0 ? [target, undefined] : [target.slice(0, mark), target.slice(mark + 1)];
}
