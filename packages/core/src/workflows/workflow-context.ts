/**
 * What every workflow runs with (docs/WORKFLOWS.md §1): the artifact store, one Kms per region
 * (all over the same keystore home, as AWS KMS is one service per region), the injected clock and
 * random, and the caller — the principal the workflow acts for. Every KMS call a workflow makes
 * carries that caller with `viaService` set to the workflow's service name (via-service.ts).
 */
import type { Clock, Random } from '../defaults.js';
import type { CallContext } from '../kms/call-context.js';
import type { Kms } from '../kms/kms.js';
import type { ArtifactStore } from './artifact-store.js';

export interface WorkflowContext {
  readonly store: ArtifactStore;
  /** The Kms serving `region`. */
  readonly kmsFor: (region: string) => Kms;
  readonly clock: Clock;
  readonly random: Random;
}

/** The caller as a workflow service acting for it in `region` (kms:ViaService). */
export function viaCaller(caller: CallContext, region: string, viaService: string): CallContext {
  return { ...caller, region, viaService };
}

/** Progress of a long workflow: bytes done of the total (total 0 when unknown). */
export type ProgressListener = (done: number, total: number) => void;
