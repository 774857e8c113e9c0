/**
 * '@envelope/core/outputs': how `-o PATH` is written (docs/CLI.md "Outputs") and the crash-leftover
 * sweep, alone — no KMS, streams or keystore — for shells that write files.
 */
export { planOutput, openOutput, openOutputPath, pathKind, namedWriteError, handleWritable, type OutputPlan, type OutputFile, type PathKind } from './fsio/output-file.js';
export { selfOwner, ownerAlive, ownedTempPath, ownerOfTempName, sweepStaleTemps, processStartTime, type Owner } from './fsio/owner.js';
// --- in-place header rewrite of `reencrypt --rewrap` (docs/CLI.md "reencrypt") ---
export {
  rewriteHeaderInPlace, recoverHeaderRewrite, recoverHeaderRewritesIn, inPlaceBlocker, nodeRewriteFs, HeaderRewriteConflict,
  type RewriteFs, type RewriteHandle, type RewriteStep, type HeaderRewriteOptions, type RecoveryResult,
} from './fsio/header-rewrite.js';
export { journalPathFor, type FoundHeader } from './fsio/rewrite-journal.js';
