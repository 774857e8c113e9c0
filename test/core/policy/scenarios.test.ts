/**
 * Table-driven policy scenarios from the AWS KMS Developer Guide (fixtures/policies/*.json):
 * each asserts Allow/Deny, the basis and the deciding statements / grants.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { parsePolicyDocument } from '../../../packages/core/src/policy/policy-document.js';
import { parsePrincipal } from '../../../packages/core/src/policy/principal.js';
import { buildConditionContext, type RequestFacts } from '../../../packages/core/src/policy/request-context.js';
import { evaluateAccess } from '../../../packages/core/src/policy/evaluate.js';
import type { GrantRecord } from '../../../packages/core/src/policy/grant.js';

const root = new URL('../../../fixtures/policies/', import.meta.url);
const policies = JSON.parse(readFileSync(new URL('policies.json', root), 'utf8')) as {
  key: Record<string, unknown>;
  iam: Record<string, unknown>;
};
interface Scenario {
  name: string;
  doc: string;
  keyPolicy: string;
  caller: string;
  iam?: string[];
  action: string;
  key?: string;
  keyManager?: 'AWS' | 'CUSTOMER';
  encryptionContext?: Record<string, string>;
  facts?: Partial<RequestFacts>;
  now?: string;
  grants?: Array<Partial<GrantRecord>>;
  expect: 'Allow' | 'Deny';
  basis?: string;
  deciding?: string[];
}
const { scenarios } = JSON.parse(readFileSync(new URL('scenarios.json', root), 'utf8')) as { scenarios: Scenario[] };

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

export function expandCaller(c: string): string {
  if (c.startsWith('service:')) return c.slice('service:'.length);
  if (c.startsWith('arn:')) return c;
  const ext = c.startsWith('ext:');
  const account = ext ? '444455556666' : '111122223333';
  const rest = ext ? c.slice(4) : c;
  if (rest === 'root') return `arn:aws:iam::${account}:root`;
  if (rest.startsWith('sts/')) return `arn:aws:sts::${account}:assumed-role/${rest.slice(4)}`;
  return `arn:aws:iam::${account}:${rest}`;
}

describe('policy scenarios from the AWS KMS documentation', () => {
  it('has at least 60 scenarios', () => {
    assert.ok(scenarios.length >= 60, `only ${scenarios.length}`);
  });
  for (const s of scenarios) {
    it(`${s.expect}: ${s.name}`, () => {
      const principal = parsePrincipal(expandCaller(s.caller));
      const keyPolicy = parsePolicyDocument(JSON.stringify(policies.key[s.keyPolicy]), { kind: 'key' });
      const identityPolicies = (s.iam ?? []).map((name) => {
        const doc = policies.iam[name];
        assert.ok(doc, `unknown IAM policy ${name}`);
        return { name, document: parsePolicyDocument(JSON.stringify(doc), { kind: 'identity' }) };
      });
      const resource = s.key ?? KEY;
      const context = buildConditionContext({
        principal,
        now: new Date(s.now ?? '2026-06-01T00:00:00Z'),
        ...(s.encryptionContext ? { encryptionContext: s.encryptionContext } : {}),
        ...s.facts,
      });
      const grants = (s.grants ?? []).map((g) => ({
        KeyId: resource, CreationDate: '2026-01-01T00:00:00Z', IssuingAccount: 'arn:aws:iam::111122223333:root', ...g,
      }) as GrantRecord);
      const d = evaluateAccess({
        principal, action: s.action, resource, resourceAccountId: '111122223333', keyPolicy, identityPolicies, grants,
        context, encryptionContext: s.encryptionContext ?? {}, keyManager: s.keyManager ?? 'CUSTOMER',
      });
      assert.equal(d.decision, s.expect, `${s.name} (${s.doc}): ${d.reason}`);
      if (s.basis) assert.equal(d.basis, s.basis, d.reason);
      if (s.deciding) {
        const got = [...d.deciding.map((m) => m.label), ...d.grants.map((g) => `grant:${g.grantId}`)];
        assert.deepEqual(got, s.deciding, d.reason);
      }
      assert.ok(d.reason.length > 0 && d.reason.length < 400);
    });
  }
});
