/**
 * Just enough of the structured-field dictionaries that carry HTTP message signatures
 * (`signature-input`, `signature`) to verify Upvest's. Component names are read quoted or bare:
 * Upvest's draft-6 signer does not always quote them.
 */

export type ParameterValue = string | number | boolean;

export interface SignatureInput {
  label: string;
  components: string[];
  parameters: Record<string, ParameterValue>;
  /** The member's value exactly as sent: the `@signature-params` line repeats it verbatim. */
  raw: string;
}

/** Dictionary keys and parameter names share one grammar. */
const keyPattern = /^[a-z*][a-z0-9_\-.*]*$/;

export function parseSignatureInputs(header: string): SignatureInput[] {
  return splitOutside(header, ',').flatMap((member) => {
    const parsed = splitMember(member);
    if (!parsed || !parsed.value.startsWith('(')) return [];
    const close = indexOutsideQuotes(parsed.value, ')');
    if (close < 0) return [];
    const components = parseInnerList(parsed.value.slice(1, close));
    const parameters = parseParameters(parsed.value.slice(close + 1));
    if (!components || !parameters) return [];
    return [{ label: parsed.label, components, parameters, raw: parsed.value }];
  });
}

/** `sig1=:base64:` members; a value that is not a byte sequence is skipped. */
export function parseSignatures(header: string): Map<string, Buffer> {
  const signatures = new Map<string, Buffer>();
  for (const member of splitOutside(header, ',')) {
    const parsed = splitMember(member);
    const bytes = parsed && /^:([A-Za-z0-9+/_-]+={0,2}):$/.exec(parsed.value);
    if (parsed && bytes) signatures.set(parsed.label, Buffer.from(bytes[1]!, 'base64'));
  }
  return signatures;
}

function splitMember(member: string): { label: string; value: string } | undefined {
  const equals = member.indexOf('=');
  if (equals < 0) return undefined;
  const label = member.slice(0, equals).trim();
  return keyPattern.test(label) ? { label, value: member.slice(equals + 1).trim() } : undefined;
}

function parseInnerList(text: string): string[] | undefined {
  const items: string[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
    const bare = quoted ? undefined : /^[^\s"()]+/.exec(rest);
    if (quoted) items.push(unescape(quoted[1]!));
    else if (bare) items.push(bare[0]);
    else return undefined;
    rest = rest.slice((quoted ?? bare)![0].length).trimStart();
  }
  return items.map((item) => item.toLowerCase());
}

function parseParameters(text: string): Record<string, ParameterValue> | undefined {
  const parameters: Record<string, ParameterValue> = {};
  for (const part of splitOutside(text, ';')) {
    const trimmed = part.trim();
    if (trimmed.length === 0) continue;
    const equals = trimmed.indexOf('=');
    const key = (equals < 0 ? trimmed : trimmed.slice(0, equals)).trim().toLowerCase();
    if (!keyPattern.test(key)) return undefined;
    parameters[key] = equals < 0 ? true : parseBareItem(trimmed.slice(equals + 1).trim());
  }
  return parameters;
}

function parseBareItem(text: string): ParameterValue {
  if (/^-?\d{1,15}$/.test(text)) return Number(text);
  if (text === '?1' || text === '?0') return text === '?1';
  const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(text);
  return quoted ? unescape(quoted[1]!) : text;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

/** Splits at `separator` where it is neither inside a quoted string nor inside parentheses. */
function splitOutside(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '\\') i += 1;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === '(') depth += 1;
    else if (char === ')') depth = Math.max(0, depth - 1);
    else if (char === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((part) => part.trim().length > 0);
}

function indexOutsideQuotes(text: string, target: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '\\') i += 1;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === target) return i;
  }
  return -1;
}
