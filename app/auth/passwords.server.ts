import { hash, parseOptions, verify, type Algorithm, type Options } from "@node-rs/argon2";

/**
 * Password hashing with argon2id at OWASP's minimum: 19 MiB, 2 passes, 1 lane.
 * https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
 */

// NOTE: Algorithm is a `const enum` in @node-rs/argon2's types, which isolatedModules cannot
// read, so the value is spelled out: 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;

export const PASSWORD_HASH_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const satisfies Options;

/** Length limits in code points (an emoji is one character to the person typing it). */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

export function passwordLength(password: string): number {
  return [...password].length;
}

export async function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash is a failed login, not a 500
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as checking a real password, for logins with an address nobody
 * registered: otherwise a fast "no" would tell an attacker which addresses have accounts.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hash("tomoni-dummy-password", PASSWORD_HASH_OPTIONS);
  await verifyPassword(await dummyHash, password);
  return false;
}

/** True when a stored hash was made with weaker (or different) parameters than today's. */
export function needsRehash(passwordHash: string): boolean {
  try {
    const options = parseOptions(passwordHash);
    return (
      options.algorithm !== PASSWORD_HASH_OPTIONS.algorithm ||
      options.memoryCost < PASSWORD_HASH_OPTIONS.memoryCost ||
      options.timeCost < PASSWORD_HASH_OPTIONS.timeCost
    );
  } catch {
    return true;
  }
}
