/** Which connection an outside call is about: enough to address it at the provider and in Postgres. */
export interface ConnectionRef {
  provider: string;
  connectionId: string;
  brokerageId: string | null;
  userId: string | null;
}
