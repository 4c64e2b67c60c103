import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Registered on the server at start (see src/temporal/search-attributes.ts). Search attributes
 * bypass the payload codec: UserId holds a keyed hash when payloads are encrypted
 * (src/temporal/user-id-attribute.ts), and nothing else personal goes here.
 */
export const connectionStateKey = defineSearchAttributeKey('ConnectionState', 'KEYWORD');
export const providerKey = defineSearchAttributeKey('Provider', 'KEYWORD');
export const userIdKey = defineSearchAttributeKey('UserId', 'KEYWORD');
export const reauthExhaustedKey = defineSearchAttributeKey('ReauthExhausted', 'BOOL');
export const brokerageIdKey = defineSearchAttributeKey('BrokerageId', 'KEYWORD');
