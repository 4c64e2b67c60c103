import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { brokerageIdKey, connectionStateKey, providerKey, reauthExhaustedKey, userIdKey } from '../../workflows/search-attributes.ts';

export const customSearchAttributes = [connectionStateKey, providerKey, userIdKey, reauthExhaustedKey, brokerageIdKey];

const devServerTypes = { KEYWORD: 'Keyword', BOOL: 'Bool' } as const;
const indexedTypes = {
  KEYWORD: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  BOOL: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
} as const;

/** `--search-attribute` flags for the dev server. */
export function devServerSearchAttributeFlags(): string[] {
  return customSearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${devServerTypes[key.type as keyof typeof devServerTypes]}`]);
}

/**
 * A server the project did not start (production, docker compose) gets the attributes registered
 * on first start, so filtering by ConnectionState in the UI works without a manual step.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = customSearchAttributes.filter((key) => !(key.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, indexedTypes[key.type as keyof typeof indexedTypes]])),
  });
}
