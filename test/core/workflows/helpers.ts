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
import { PolicyAuthorizer } from '../../../packages/core/src/kms/policy-authorizer.js';
import { AuditLogSink } from '../../../packages/core/src/kms/audit-log-sink.js';
import { AuditLog } from '../../../packages/core/src/audit/audit-log.js';
import { Iam } from '../../../packages/core/src/iam/iam.js';
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

export interface PolicyWorld extends WorkflowWorld {
  readonly iam: Iam;
  readonly log: AuditLog;
}

/** A world with real access control (key policies, IAM, grants) and the on-disk audit log. */
export function makePolicyWorld(seed?: string): PolicyWorld {
  const home = mkdtempSync(join(tmpdir(), 'envelope-wf-'));
  const clock = testClock();
  const random = seededRandom(seed ?? home);
  const store = Keystore.open({ home, rootKey: ROOT_KEY, clock, random });
  const log = AuditLog.open({ dir: join(home, 'audit'), keystore: store, clock, random, durable: false });
  const audit = new MemoryAudit();
  const sink = new AuditLogSink(log, random);
  const kms = new Kms({
    store, clock, random,
    authorizer: new PolicyAuthorizer({ store, clock }),
    audit: { record: async (e) => { audit.events.push(e); await sink.record(e); } },
  });
  const wf: WorkflowContext = { store: new ArtifactStore({ root: join(home, 'artifacts'), random }), kmsFor: () => kms, clock, random };
  const iam = new Iam({ store, clock, random });
  return { home, kms, wf, audit, iam, log, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}
