import { AddressChange } from '../../dns-provider';
import { RRClass, RRType } from '../../wire/constants';
import { aaaaRdata, aRdata, txtRdata } from '../../wire/rdata';
import { UpdateRecord } from '../../wire/update-message';

// The update-section RRs for each provider operation (RFC 2136 §2.5). Pure functions, so the
// exact bytes we send are unit-testable without a server.

/** §2.5.1 "Add To An RRset": CLASS IN, the record's TTL and RDATA. */
export function addTxt(name: string, value: string, ttl: number): UpdateRecord {
  return { name, type: RRType.TXT, class: RRClass.IN, ttl, rdata: txtRdata(value) };
}

/** §2.5.4 "Delete An RR From An RRset": CLASS NONE, TTL 0, the exact RDATA to remove. */
export function deleteTxt(name: string, value: string): UpdateRecord {
  return { name, type: RRType.TXT, class: RRClass.NONE, ttl: 0, rdata: txtRdata(value) };
}

/**
 * For each family being changed: §2.5.2 "Delete An RRset" (CLASS ANY, TTL 0, no RDATA), then,
 * unless the change is `null`, an add of the new address. Sent as one message, so the
 * server applies the whole replacement or none of it.
 */
export function replaceAddresses(name: string, change: AddressChange, ttl: number): UpdateRecord[] {
  const updates: UpdateRecord[] = [];
  const families = [
    [RRType.A, change.ipv4, aRdata],
    [RRType.AAAA, change.ipv6, aaaaRdata],
  ] as const;
  for (const [type, address, rdata] of families) {
    if (address === undefined) continue;
    // Encode before queueing the delete: a bad address must fail the whole call.
    const added = address === null ? undefined : rdata(address);
    updates.push({ name, type, class: RRClass.ANY, ttl: 0, rdata: Buffer.alloc(0) });
    if (added) updates.push({ name, type, class: RRClass.IN, ttl, rdata: added });
  }
  return updates;
}
