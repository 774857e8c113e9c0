/**
 * The workflows' pre-check (workflows/kms-access.ts) asks the Authorizer about the same key the
 * Kms door would: the AuthorizationRequest it builds is the door's, resource included (one
 * `authorizationResource` in kms/resolve.ts serves both).
 */
import assert from 'node:assert/strict';
import type { AuthorizationRequest, Authorizer } from '../../../packages/core/src/kms/hooks.js';
import { explainKmsAccess } from '../../../packages/core/src/workflows/kms-access.js';
import { viaCaller } from '../../../packages/core/src/workflows/workflow-context.js';
import { A, EAST, makePolicyWorld, makeWorld, root } from './helpers.js';

class RecordingAuthorizer implements Authorizer {
  requests: AuthorizationRequest[] = [];
  async authorize(req: AuthorizationRequest) {
    this.requests.push(req);
    return { allowed: true, reason: 'recorded' };
  }
}

describe('workflows: explainKmsAccess evaluates what the Kms door evaluates', () => {
  it('the same AuthorizationRequest (resource with aliases, tags, state and policy) as a real ReEncrypt/Decrypt', async () => {
    const authorizer = new RecordingAuthorizer();
    const world = makeWorld({ authorizer });
    try {
      const owner = root(A);
      const { KeyMetadata } = await world.kms.CreateKey({ Tags: [{ TagKey: 'team', TagValue: 'disks' }] }, owner);
      await world.kms.CreateAlias({ AliasName: 'alias/disks', TargetKeyId: KeyMetadata.KeyId }, owner);
      const caller = viaCaller(owner, EAST, 'ec2.us-east-1.amazonaws.com');
      const context = { snapshot: 'snap-1' };
      const destination = { snapshot: 'snap-2' };
      const { CiphertextBlob } = await world.kms.Encrypt({ KeyId: KeyMetadata.Arn, Plaintext: new Uint8Array(32), EncryptionContext: context }, caller);
      for (const [action, call] of [
        ['kms:Decrypt', () => world.kms.Decrypt({ KeyId: KeyMetadata.Arn, CiphertextBlob, EncryptionContext: context }, caller)],
        ['kms:ReEncryptFrom', () => world.kms.ReEncrypt({ SourceKeyId: KeyMetadata.Arn, CiphertextBlob, SourceEncryptionContext: context, DestinationKeyId: KeyMetadata.Arn, DestinationEncryptionContext: destination }, caller)],
      ] as const) {
        authorizer.requests = [];
        await call();
        const door = authorizer.requests.find((r) => r.action === action)!;
        authorizer.requests = [];
        const decision = await explainKmsAccess(world.wf, {
          role: 'source key', caller, region: EAST, action, keyId: KeyMetadata.Arn, encryptionContext: context, destinationEncryptionContext: destination,
        });
        assert.deepEqual(decision, { allowed: true, reason: 'recorded' });
        const [pre] = authorizer.requests;
        assert.ok(pre, action);
        assert.deepEqual(pre.resource, door.resource, action);
        assert.deepEqual(pre.resource!.aliases, ['alias/disks']);
        assert.deepEqual(pre.resource!.tags, { team: 'disks' });
        assert.equal(pre.operation, door.operation);
        assert.equal(pre.resourceRole, door.resourceRole);
        assert.deepEqual(pre.conditions.EncryptionContext, door.conditions.EncryptionContext, action);
        assert.equal(pre.conditions.ViaService, door.conditions.ViaService);
      }
    } finally {
      world.cleanup();
    }
  });

  it('ReEncryptFrom/To: a kms:EncryptionContext condition sees each key\'s own context (source / destination), in the pre-check as at the door', async () => {
    const world = makePolicyWorld();
    try {
      const owner = root(A);
      const policy = {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
          {
            Sid: 'only-into-copies', Effect: 'Deny', Principal: '*', Action: 'kms:ReEncryptTo', Resource: '*',
            Condition: { StringNotEquals: { 'kms:EncryptionContext:purpose': 'copy' } },
          },
          {
            Sid: 'only-from-originals', Effect: 'Deny', Principal: '*', Action: 'kms:ReEncryptFrom', Resource: '*',
            Condition: { StringNotEquals: { 'kms:EncryptionContext:purpose': 'original' } },
          },
        ],
      };
      const { KeyMetadata } = await world.kms.CreateKey({ Policy: JSON.stringify(policy) }, owner);
      const source = { purpose: 'original' };
      const { CiphertextBlob } = await world.kms.Encrypt({ KeyId: KeyMetadata.Arn, Plaintext: new Uint8Array(32), EncryptionContext: source }, owner);
      for (const [destination, allowed] of [[{ purpose: 'copy' }, true], [source, false]] as const) {
        const call = world.kms.ReEncrypt(
          { CiphertextBlob, SourceEncryptionContext: source, DestinationKeyId: KeyMetadata.Arn, DestinationEncryptionContext: destination }, owner,
        );
        if (allowed) await call;
        else await assert.rejects(call, { name: 'AccessDeniedException' });
        for (const [action, expected] of [['kms:ReEncryptFrom', true], ['kms:ReEncryptTo', allowed]] as const) {
          const decision = await explainKmsAccess(world.wf, {
            role: 'key', caller: owner, region: EAST, action, keyId: KeyMetadata.Arn, encryptionContext: source, destinationEncryptionContext: destination,
          });
          assert.equal(decision.allowed, expected, `${action} into ${JSON.stringify(destination)}: ${decision.reason}`);
        }
      }
    } finally {
      world.cleanup();
    }
  });
});
