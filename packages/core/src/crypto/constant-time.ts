/**
 * Constant-time byte comparison for commitments and tags (docs/FORMAT.md §4: "compare in constant
 * time"). Time depends only on the lengths, never on where the bytes differ.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
