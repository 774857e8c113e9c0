/**
 * Which error a keyring reports when no encrypted data key unwraps (docs/FORMAT.md §8): the most
 * relevant of the failures, shared by KmsKeyring, AwsKmsKeyring and MultiKeyring.
 */

/**
 * How much a failed unwrap tells the caller, most first: a permission they can request, a key state
 * they can change, anything else (tampering, throttling, ...), then "not this key" (deleted, wrong key).
 */
const ERROR_RANK: Readonly<Record<string, number>> = {
  AccessDeniedException: 0,
  DisabledException: 1,
  KMSInvalidStateException: 1,
  KeyUnavailableException: 1,
  NotFoundException: 3,
  IncorrectKeyException: 3,
};
const OTHER_RANK = 2;

function rank(e: unknown): number {
  const name = (e as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? (ERROR_RANK[name] ?? OTHER_RANK) : OTHER_RANK;
}

/** The most relevant of the errors (the first among equals); undefined for none. */
export function mostRelevantError<E>(errors: readonly E[]): E | undefined {
  let best = 0;
  for (let i = 1; i < errors.length; i++) if (rank(errors[i]) < rank(errors[best])) best = i;
  return errors[best];
}
