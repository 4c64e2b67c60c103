import { parseDictionary, serializeInnerList, Token, type BareItem, type Dictionary } from 'structured-headers';

/**
 * The structured-field dictionaries that carry HTTP message signatures (`signature-input`,
 * `signature`), parsed by `structured-headers` (RFC 8941/9651). Upvest's draft-6 signer writes
 * component names bare (`(@method @path digest)`), which is not valid structured-field syntax, so
 * bare names are quoted before parsing.
 */
export type ParameterValue = string | number | boolean;

export interface SignatureInput {
  label: string;
  components: string[];
  parameters: Record<string, ParameterValue>;
  /**
   * The `@signature-params` value as the signer may have serialized it: names quoted (RFC 9421 and
   * later drafts) or bare (Upvest's draft), in the canonical form a signer writes.
   */
  signatureParams: string[];
}

export function parseSignatureInputs(header: string): SignatureInput[] {
  const dictionary = parse(quoteBareComponentNames(header));
  if (!dictionary) return [];
  return [...dictionary].flatMap(([label, member]) => {
    const [items, params] = member;
    if (!Array.isArray(items)) return [];
    const components = items.map(([item]) => (typeof item === 'string' ? item.toLowerCase() : null));
    if (components.some((name) => name === null)) return [];
    const quoted = serializeInnerList(member as [typeof items, typeof params]);
    const bare = quoted.replace(/^\(([^)]*)\)/, (_list, names: string) => `(${names.replace(/"([^"]*)"/g, '$1')})`);
    return [{ label, components: components as string[], parameters: parametersOf(params), signatureParams: [...new Set([quoted, bare])] }];
  });
}

/** `sig1=:base64:` members; a value that is not a byte sequence is skipped. */
export function parseSignatures(header: string): Map<string, Buffer> {
  const signatures = new Map<string, Buffer>();
  for (const [label, [value]] of parse(header) ?? []) {
    if (value instanceof ArrayBuffer) signatures.set(label, Buffer.from(value));
  }
  return signatures;
}

function parse(header: string): Dictionary | undefined {
  try {
    return parseDictionary(header);
  } catch {
    return undefined;
  }
}

/** `(@method @path "digest")` → `("@method" "@path" "digest")`; quoted names are left as they are. */
function quoteBareComponentNames(header: string): string {
  return header.replace(/=\s*\(([^)"]*(?:"[^"]*"[^)"]*)*)\)/g, (_match, names: string) => {
    const quoted = names.match(/"(?:[^"\\]|\\.)*"|[^\s"]+/g) ?? [];
    return `=(${quoted.map((name) => (name.startsWith('"') ? name : `"${name}"`)).join(' ')})`;
  });
}

function parametersOf(params: Map<string, BareItem>): Record<string, ParameterValue> {
  const result: Record<string, ParameterValue> = {};
  for (const [key, value] of params) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') result[key] = value;
    else if (value instanceof Token) result[key] = value.toString();
  }
  return result;
}
