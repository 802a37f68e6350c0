/**
 * Stripe dispute statuses in which the money stays with the organisation: won, or an inquiry
 * closed without a chargeback. Every other status (open, under review, lost) holds the disputed
 * money back: it does not count as raised and cannot be refunded. No I/O: shared with the browser.
 */
const RELEASED_DISPUTE_STATUSES: readonly string[] = ["won", "warning_closed"];

export function disputeHoldsMoney(status: string | null): boolean {
  return status !== null && !RELEASED_DISPUTE_STATUSES.includes(status);
}
