import { isIPv4, isIPv6 } from "node:net";
import type { Database } from "~/db.server";
import { hitAll, type RateLimit } from "~/models/rate-limits.server";
import { normaliseEmail } from "~/models/users.server";
import { hashToken } from "./tokens.server";

/**
 * Who may try how often. Per IP catches one machine trying many accounts; per account
 * catches many machines trying one account. Windows are fixed and short, so a real user
 * is never locked out for longer than one window.
 */
export const LIMITS = {
  loginPerIp: { limit: 30, windowSeconds: 15 * 60 },
  loginPerAccount: { limit: 10, windowSeconds: 15 * 60 },
  resetPerIp: { limit: 10, windowSeconds: 60 * 60 },
  resetPerAccount: { limit: 3, windowSeconds: 60 * 60 },
  signupPerIp: { limit: 10, windowSeconds: 60 * 60 },
  // Each sign-up emails the address: a stranger must not be able to flood someone's inbox.
  signupPerAccount: { limit: 3, windowSeconds: 60 * 60 },
  // Invitations send email to any address: keep the platform from being used to spam.
  invitesPerUser: { limit: 30, windowSeconds: 60 * 60 },
} as const satisfies Record<string, RateLimit>;

/**
 * The part of an address that identifies one client. An IPv6 user usually holds a whole
 * /64, so counting per full address would let them rotate through 2^64 buckets.
 */
export function ipKey(ip: string): string {
  let address = ip.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1]!;
  if (isIPv4(address)) return address;
  address = address.replace(/%.*$/, ""); // zone index
  if (!isIPv6(address)) return `other:${address.slice(0, 64)}`;
  const [head = "", tail] = address.split("::");
  const groups = (part: string) => (part ? part.split(":").flatMap((g) => (g.includes(".") ? ["0", "0"] : [g])) : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const full = [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return `${full.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16)).join(":")}::/64`;
}

/** A bucket per address whether or not it is registered, so a refusal reveals nothing; hashed so the table holds no addresses. */
export function accountKey(email: string): string {
  return hashToken(normaliseEmail(email));
}

export async function throttleLogin(db: Database, ip: string, email: string) {
  return hitAll(db, [
    { bucket: `login:ip:${ipKey(ip)}`, ...LIMITS.loginPerIp },
    { bucket: `login:account:${accountKey(email)}`, ...LIMITS.loginPerAccount },
  ]);
}

export async function throttlePasswordReset(db: Database, ip: string, email: string) {
  return hitAll(db, [
    { bucket: `reset:ip:${ipKey(ip)}`, ...LIMITS.resetPerIp },
    { bucket: `reset:account:${accountKey(email)}`, ...LIMITS.resetPerAccount },
  ]);
}

export async function throttleSignup(db: Database, ip: string, email: string) {
  return hitAll(db, [
    { bucket: `signup:ip:${ipKey(ip)}`, ...LIMITS.signupPerIp },
    { bucket: `signup:account:${accountKey(email)}`, ...LIMITS.signupPerAccount },
  ]);
}

export async function throttleInvitations(db: Database, userId: number) {
  return hitAll(db, [{ bucket: `invite:user:${userId}`, ...LIMITS.invitesPerUser }]);
}
