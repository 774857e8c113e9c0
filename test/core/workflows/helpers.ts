/** Test wiring for the workflows: a temp home, one Kms for every region, an artifact store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keystore } from '../../../packages/core/src/keystore/keystore.js';
import { Kms } from '../../../packages/core/src/kms/kms.js';
import type { AuditSink, Authorizer, KmsCallEvent } from '../../../packages/core/src/kms/hooks.js';
import type { CallContext } from '../../../packages/core/src/kms/call-context.js';
import { ArtifactStore } from '../../../packages/core/src/workflows/artifact-store.js';
import type { WorkflowContext } from '../../../packages/core/src/workflows/workflow-context.js';
import { ROOT_KEY, seededRandom, testClock } from '../kms/helpers.js';

export const A = '111111111111';
export const B = '222222222222';
export const EAST = 'us-east-1';
export const WEST = 'eu-west-1';

export function root(account: string, region = EAST): CallContext {
  return { principal: `arn:aws:iam::${account}:root`, accountId: account, region };
}

export class MemoryAudit implements AuditSink {
  events: KmsCallEvent[] = [];
  async record(e: KmsCallEvent): Promise<void> {
    this.events.push(e);
  }
}

export interface WorkflowWorld {
  readonly home: string;
  readonly kms: Kms;
  readonly wf: WorkflowContext;
  readonly audit: MemoryAudit;
  cleanup(): void;
}

export function makeWorld(opts: { authorizer?: Authorizer; seed?: string } = {}): WorkflowWorld {
  const home = mkdtempSync(join(tmpdir(), 'envelope-wf-'));
  const clock = testClock();
  const random = seededRandom(opts.seed ?? home);
  const store = Keystore.open({ home, rootKey: ROOT_KEY, clock, random });
  const audit = new MemoryAudit();
  const kms = new Kms({ store, clock, random, audit, ...(opts.authorizer ? { authorizer: opts.authorizer } : {}) });
  const wf: WorkflowContext = {
    store: new ArtifactStore({ root: join(home, 'artifacts'), random }),
    kmsFor: () => kms,
    clock,
    random,
  };
  return { home, kms, wf, audit, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}
