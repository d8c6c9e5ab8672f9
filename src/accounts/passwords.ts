import { randomBytes, randomInt } from 'node:crypto';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { PlazaError } from '../core/errors.js';

export const minPasswordLength = 10;
/** Long enough for any passphrase or password manager; bounds the work one request can cause. */
export const maxPasswordLength = 256;

// argon2id with the library's defaults, which are OWASP's recommended minimum (19 MiB, 2 passes, 1 lane):
// about 30 ms per hash on one core. The parameters are written into each hash (PHC string), so raising them
// later leaves existing hashes verifiable.
const options = { algorithm: Algorithm.Argon2id } as const;

/** Throws a 400 naming the rule a password breaks. Lengths count characters (code points), not bytes. */
export function checkPassword(password: string): void {
  const length = [...password].length;
  if (length < minPasswordLength) {
    throw new PlazaError(
      'password_too_short',
      `a password needs at least ${minPasswordLength} characters (this one has ${length}); leave it out to have one generated`,
      400,
    );
  }
  if (length > maxPasswordLength) {
    throw new PlazaError(
      'password_too_long',
      `a password may have at most ${maxPasswordLength} characters (this one has ${length})`,
      400,
    );
  }
}

/** An argon2id hash (PHC string: `$argon2id$v=19$m=…,t=…,p=…$salt$hash`) of a password that passes the rules. */
export async function hashPassword(password: string): Promise<string> {
  checkPassword(password);
  return hash(password, options);
}

/** Whether the password matches the hash; false (never a throw) for a malformed hash. */
export async function passwordMatches(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/**
 * A hash of a random secret made with the same parameters as real ones: verifying against it when there is no
 * user costs what verifying a real user costs, so timing does not tell which emails have accounts.
 */
export function dummyHash(): Promise<string> {
  dummy ??= hash(randomBytes(32).toString('base64url'), options);
  return dummy;
}

// Letters and digits without the look-alikes (0 O o, 1 l I) so that a password read off a screen can be typed.
const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random password of `length` characters (default 20: about 115 bits) from an unambiguous alphabet. */
export function generatePassword(length = 20): string {
  if (length < minPasswordLength) throw new RangeError(`length must be at least ${minPasswordLength}`);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
