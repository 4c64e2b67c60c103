import { createHash } from 'node:crypto';
import type { AdapterVerdict, DeliveryItem } from './adapter.ts';
import { pythonCompactSortedJson } from './python-json.ts';

/** One hook of a provider that sends neither id nor timestamp, as its adapter would journal it. */
export interface Receipt {
  provider: string;
  /** The account (or connection) the hook is about: a redelivery is judged against its last hook only. */
  scope: string;
  /** The body's digest, key order and spacing aside. */
  digest: string;
  /** The id this hook gets when it is not a redelivery. */
  candidateId: string;
  receivedAt: Date;
  windowMs: number;
}

/**
 * Durable memory of the last hook accepted per account. A hook is a redelivery when its body is
 * that last one's and it arrives within the window of it: a quick retry is one delivery whatever
 * the clock says, and a real re-break after a repair is always a new event (a body that differs
 * from the last one is never dropped).
 */
export interface ReceiptLedger {
  /** The last accepted hook's id when this is a redelivery of it; otherwise `candidateId`, now the last. */
  eventIdFor(receipt: Receipt): Promise<string>;
}

export function contentDigest(body: unknown): string {
  return createHash('sha256').update(pythonCompactSortedJson(body)).digest('hex').slice(0, 40);
}

/**
 * Asks the ledger for the id of an accepted verdict's one item, whose own id is the candidate. A
 * refused body (dead-lettered) is not an accepted hook and leaves the ledger alone.
 */
export async function withLedgerId(verdict: AdapterVerdict, ledger: ReceiptLedger, receipt: Omit<Receipt, 'candidateId'>): Promise<AdapterVerdict> {
  if (verdict.kind !== 'accepted' || verdict.items.length !== 1) return verdict;
  const [item] = verdict.items as [DeliveryItem];
  if (item.kind === 'malformed') return verdict;
  const candidateId = item.kind === 'event' ? item.event.eventId : item.eventId;
  const eventId = await ledger.eventIdFor({ ...receipt, candidateId });
  if (eventId === candidateId) return verdict;
  return { kind: 'accepted', items: [item.kind === 'event' ? { ...item, event: { ...item.event, eventId } } : { ...item, eventId }] };
}
