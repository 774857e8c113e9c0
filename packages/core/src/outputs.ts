/**
 * '@envelope/core/outputs': how `-o PATH` is written (docs/CLI.md "Outputs") and the crash-leftover
 * sweep, alone — no KMS, streams or keystore — for shells that write files.
 */
export { planOutput, openOutput, openOutputPath, pathKind, namedWriteError, handleWritable, type OutputPlan, type OutputFile, type PathKind } from './fsio/output-file.js';
export { selfOwner, ownerAlive, ownedTempPath, ownerOfTempName, sweepStaleTemps, processStartTime, type Owner } from './fsio/owner.js';
