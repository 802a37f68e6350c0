import type { Currency } from "./money";

/**
 * "Cover the processing fee": how much a donor adds so the organisation receives the whole
 * gift after Stripe's fee (and the platform's fee, if an organisation has one). No I/O: the
 * donate form shows the same number in the browser that the server puts on the Checkout line.
 *
 * Rates are Stripe's standard pricing for a domestic card in the country whose currency it
 * is (https://stripe.com/pricing, and /jp/pricing, /gb/pricing, /ie/pricing, /au/pricing,
 * /ca/pricing). NOTE: the JPY rate is Stripe Japan's published standard rate; the others were
 * taken from secondary sources while those pages could not be opened here, and must be checked
 * against Stripe's pages before an organisation in that currency goes live:
 *
 *   JPY  3.6%            Stripe Japan, domestic cards (no fixed part)
 *   USD  2.9% + $0.30    Stripe US, domestic cards
 *   EUR  1.5% + €0.25    Stripe in the euro area, standard EEA cards
 *   GBP  1.5% + £0.20    Stripe UK, standard UK cards
 *   AUD  1.7% + A$0.30   Stripe Australia, standard domestic cards
 *   CAD  2.9% + C$0.30   Stripe Canada, domestic cards
 *
 * NOTE: an international card, a premium card or a currency conversion costs more, and an
 * organisation on custom pricing may pay less; we cannot know the card before Checkout, so
 * the cover is for the common case. It is an estimate by nature, and the form says so.
 */

export interface FeeRate {
  /** Percentage part in basis points of the amount charged (3.6% = 360). */
  bps: number;
  /** Fixed part per charge, in minor units of the currency. */
  fixed: number;
}

export const PROCESSING_FEES: Readonly<Record<Currency, FeeRate>> = {
  JPY: { bps: 360, fixed: 0 },
  USD: { bps: 290, fixed: 30 },
  EUR: { bps: 150, fixed: 25 },
  GBP: { bps: 150, fixed: 20 },
  AUD: { bps: 170, fixed: 30 },
  CAD: { bps: 290, fixed: 30 },
};

const BPS = 10_000n;

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

function checkAmount(amount: number, what: string): void {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`${what} must be a non-negative integer number of minor units`);
}

/**
 * Stripe's fee on a charge of `total`, rounded up to a whole minor unit: rounding up means
 * the cover can only ever be a unit generous, never a unit short.
 */
export function processingFee(total: number, currency: Currency): number {
  checkAmount(total, "total");
  const { bps, fixed } = PROCESSING_FEES[currency];
  return Number(ceilDiv(BigInt(total) * BigInt(bps), BPS)) + fixed;
}

/** The platform's application fee on a gift: basis points of the amount, rounded down. */
export function applicationFee(amount: number, platformFeeBps: number): number {
  checkAmount(amount, "amount");
  if (!Number.isInteger(platformFeeBps) || platformFeeBps < 0 || platformFeeBps > 10_000) throw new RangeError("platformFeeBps must be 0…10000");
  return Number((BigInt(amount) * BigInt(platformFeeBps)) / BPS);
}

/**
 * The fee cover for a gift of `amount`: the smallest c such that a charge of amount + c, less
 * Stripe's fee on that whole charge and less the application fee, leaves at least `amount`.
 * The fee is charged on the total, so this is a gross-up, not "fee of the amount":
 * ¥1,000 at 3.6% needs ¥38 (¥1,038 − ¥38 fee = ¥1,000), not ¥36.
 */
export function feeCover(amount: number, currency: Currency, options: { applicationFee?: number } = {}): number {
  checkAmount(amount, "amount");
  const appFee = options.applicationFee ?? 0;
  checkAmount(appFee, "applicationFee");
  const { bps, fixed } = PROCESSING_FEES[currency];
  const needed = BigInt(amount) + BigInt(fixed) + BigInt(appFee);
  // The exact solution of T·(1 − bps/10000) ≥ needed, then the few units the fee's own
  // rounding up may still take.
  let total = ceilDiv(needed * BPS, BPS - BigInt(bps));
  while (total - ceilDiv(total * BigInt(bps), BPS) - BigInt(fixed) - BigInt(appFee) < BigInt(amount)) total += 1n;
  return Number(total) - amount;
}

