import { defineSearchAttributeKey } from '@temporalio/common';

/** Registered on the server at start (see src/temporal/search-attributes.ts); never personal data. */
export const connectionStateKey = defineSearchAttributeKey('ConnectionState', 'KEYWORD');
export const providerKey = defineSearchAttributeKey('Provider', 'KEYWORD');
export const userIdKey = defineSearchAttributeKey('UserId', 'KEYWORD');
export const reauthExhaustedKey = defineSearchAttributeKey('ReauthExhausted', 'BOOL');
export const brokerageIdKey = defineSearchAttributeKey('BrokerageId', 'KEYWORD');
