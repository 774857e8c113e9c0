/** Policy grammar validation (MalformedPolicyDocumentException) and condition operator edge cases. */
import { strict as assert } from 'node:assert';
import { parsePolicyDocument, MAX_KEY_POLICY_BYTES } from '../../../packages/core/src/policy/policy-document.js';
import { evaluateCondition, ipInCidr } from '../../../packages/core/src/policy/condition-operators.js';
import { wildcardMatch, arnMatch } from '../../../packages/core/src/policy/wildcard.js';
import { defaultKeyPolicy } from '../../../packages/core/src/policy/default-key-policy.js';
import { evaluateAccess } from '../../../packages/core/src/policy/evaluate.js';
import { parsePrincipal } from '../../../packages/core/src/policy/principal.js';
import { buildConditionContext } from '../../../packages/core/src/policy/request-context.js';

const ok = (st: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: st });
const base = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' };

function malformed(text: string, re: RegExp, kind: 'key' | 'identity' = 'key', principalExists?: (a: string) => boolean) {
  assert.throws(() => parsePolicyDocument(text, { kind, ...(principalExists ? { principalExists } : {}) }), (e: Error) => {
    assert.equal(e.name, 'MalformedPolicyDocumentException');
    assert.match(e.message, re);
    return true;
  });
}

describe('policy grammar', () => {
  it('parses the default key policy and normalizes account ids to root ARNs', () => {
    const d = parsePolicyDocument(defaultKeyPolicy('111122223333'), { kind: 'key' });
    assert.equal(d.statements[0]!.sid, 'Enable IAM User Permissions');
    const d2 = parsePolicyDocument(ok([{ ...base, Principal: { AWS: ['444455556666'] } }]), { kind: 'key' });
    assert.deepEqual(d2.statements[0]!.principal!.aws, ['arn:aws:iam::444455556666:root']);
  });
  it('accepts a single Statement object and string/array forms', () => {
    const d = parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: base }), { kind: 'key' });
    assert.equal(d.statements.length, 1);
  });
  it('rejects bad JSON, bad Version, missing Statement, unknown elements', () => {
    malformed('{', /not valid JSON/);
    malformed(JSON.stringify({ Version: '2020-01-01', Statement: [base] }), /Version/);
    malformed(JSON.stringify({ Version: '2012-10-17' }), /no Statement/);
    malformed(JSON.stringify({ Version: '2012-10-17', Statement: [base], Foo: 1 }), /Unknown top-level/);
    malformed(ok([{ ...base, Principle: 'x' }]), /unknown element "Principle"/);
  });
  it('names the statement and element at fault', () => {
    malformed(ok([base, { ...base, Sid: 'Bad', Effect: 'Alow' }]), /Statement\[1\] \(Sid "Bad"\): Effect/);
    malformed(ok([{ ...base, Action: undefined }]), /exactly one of Action or NotAction/);
    malformed(ok([{ ...base, NotAction: 'kms:Decrypt' }]), /exactly one of Action or NotAction/);
    malformed(ok([{ ...base, Resource: undefined }]), /Resource/);
    malformed(ok([{ ...base, Principal: undefined }]), /Principal or NotPrincipal/);
    malformed(ok([{ ...base, Action: 's3:GetObject' }]), /only kms: actions/);
    malformed(ok([{ ...base, Action: 'Encrypt' }]), /is not an action/);
    malformed(ok([{ ...base, Sid: 'A' }, { ...base, Sid: 'A' }]), /duplicate Sid/);
  });
  it('validates principals, including unknown users and roles', () => {
    malformed(ok([{ ...base, Principal: { AWS: 'bob' } }]), /not a valid AWS principal/);
    malformed(ok([{ ...base, Principal: { Service: 'nope' } }]), /service principal/);
    malformed(ok([{ ...base, Principal: { Federated: 'x' } }]), /unsupported principal type/);
    malformed(ok([{ ...base, Principal: { AWS: 'arn:aws:iam::111122223333:user/Ghost' } }]), /invalid principals/, 'key', () => false);
    // the root of any account is always valid
    parsePolicyDocument(ok([base]), { kind: 'key', principalExists: () => false });
  });
  it('identity policies must not carry Principal', () => {
    malformed(ok([base]), /must not contain Principal/, 'identity');
    parsePolicyDocument(ok([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]), { kind: 'identity' });
  });
  it('validates conditions', () => {
    malformed(ok([{ ...base, Condition: { StringEqualz: { 'kms:ViaService': 'x' } } }]), /unknown condition operator/);
    malformed(ok([{ ...base, Condition: { NullIfExists: { 'kms:ViaService': 'true' } } }]), /Null takes no IfExists/);
    malformed(ok([{ ...base, Condition: { StringEquals: { ViaService: 'x' } } }]), /not a condition key/);
    malformed(ok([{ ...base, Condition: { StringEquals: { 'kms:ViaService': [] } } }]), /no values/);
    malformed(ok([{ ...base, Condition: { StringEquals: { 'kms:ViaService': { a: 1 } } } }]), /values must be/);
  });
  it('enforces the 32 KB limit', () => {
    const big = ok([{ ...base, Sid: 'x'.repeat(MAX_KEY_POLICY_BYTES) }]);
    malformed(big, /limit is 32768 bytes/);
  });
});

describe('condition operators', () => {
  const ctx = (o: Record<string, string | string[]>) => new Map(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v]));
  const c = (operator: string, key: string, values: string[]) => {
    const m = /^(?:(ForAnyValue|ForAllValues):)?([A-Za-z]+?)(IfExists)?$/.exec(operator)!;
    return { operator, base: m[2]!, ifExists: Boolean(m[3]), ...(m[1] ? { set: m[1] as 'ForAnyValue' } : {}), key, values };
  };
  it('wildcards', () => {
    assert.ok(wildcardMatch('kms:Generate*', 'kms:GenerateDataKey'));
    assert.ok(wildcardMatch('a?c', 'abc'));
    assert.ok(!wildcardMatch('a?c', 'ac'));
    assert.ok(wildcardMatch('*', ''));
    assert.ok(wildcardMatch('KMS:encrypt', 'kms:Encrypt', true));
    assert.ok(!wildcardMatch('KMS:encrypt', 'kms:Encrypt'));
    assert.ok(arnMatch('arn:aws:iam::*:role/dev-*', 'arn:aws:iam::111122223333:role/dev-x'));
    assert.ok(!arnMatch('arn:aws:iam::*:role/dev-*', 'arn:aws:sts::111122223333:role/dev-x'));
  });
  it('string, numeric, date, bool, arn, null, ip', () => {
    assert.ok(evaluateCondition(c('StringEqualsIgnoreCase', 'k:a', ['ABC']), ctx({ 'k:a': 'abc' })));
    assert.ok(!evaluateCondition(c('StringEquals', 'k:a', ['ABC']), ctx({ 'k:a': 'abc' })));
    assert.ok(evaluateCondition(c('StringNotEquals', 'k:a', ['x']), ctx({})), 'negated + missing = true');
    assert.ok(!evaluateCondition(c('StringEquals', 'k:a', ['x']), ctx({})), 'positive + missing = false');
    assert.ok(evaluateCondition(c('StringEqualsIfExists', 'k:a', ['x']), ctx({})));
    assert.ok(evaluateCondition(c('NumericLessThan', 'k:n', ['10']), ctx({ 'k:n': '9.5' })));
    assert.ok(!evaluateCondition(c('NumericLessThan', 'k:n', ['10']), ctx({ 'k:n': 'ten' })));
    assert.ok(evaluateCondition(c('NumericNotEquals', 'k:n', ['10']), ctx({ 'k:n': '11' })));
    assert.ok(evaluateCondition(c('DateGreaterThan', 'aws:CurrentTime', ['2020-01-01T00:00:00Z']), ctx({ 'aws:CurrentTime': '2026-01-01T00:00:00Z' })));
    assert.ok(evaluateCondition(c('DateLessThan', 'aws:EpochTime', ['1767225600']), ctx({ 'aws:EpochTime': '1767225599' })));
    assert.ok(evaluateCondition(c('Bool', 'k:b', ['TRUE']), ctx({ 'k:b': 'true' })));
    assert.ok(evaluateCondition(c('ArnNotLike', 'aws:PrincipalArn', ['arn:aws:iam::*:role/x']), ctx({ 'aws:PrincipalArn': 'arn:aws:iam::1:user/x' })));
    assert.ok(evaluateCondition(c('Null', 'k:a', ['true']), ctx({})));
    assert.ok(evaluateCondition(c('Null', 'k:a', ['false']), ctx({ 'k:a': 'v' })));
    assert.ok(ipInCidr('10.1.2.3', '10.0.0.0/8'));
    assert.ok(!ipInCidr('11.1.2.3', '10.0.0.0/8'));
    assert.ok(ipInCidr('10.1.2.3', '10.1.2.3'));
    assert.ok(ipInCidr('::ffff:10.1.2.3', '::ffff:10.1.0.0/112'));
    assert.ok(!ipInCidr('10.1.2.3', '::/0'), 'families never mix');
  });
  it('set qualifiers', () => {
    const keys = (v: string[]) => ctx({ 'kms:EncryptionContextKeys': v });
    assert.ok(evaluateCondition(c('ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['a', 'b']), keys(['a'])));
    assert.ok(!evaluateCondition(c('ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['a', 'b']), keys(['a', 'c'])));
    assert.ok(evaluateCondition(c('ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['a']), ctx({})), 'ForAllValues + missing = true');
    assert.ok(!evaluateCondition(c('ForAnyValue:StringEquals', 'kms:EncryptionContextKeys', ['a']), ctx({})), 'ForAnyValue + missing = false');
    assert.ok(evaluateCondition(c('ForAnyValue:StringLike', 'kms:EncryptionContextKeys', ['x*']), keys(['a', 'xy'])));
    assert.ok(evaluateCondition(c('ForAnyValue:StringNotEquals', 'kms:EncryptionContextKeys', ['a']), keys(['a', 'b'])));
    assert.ok(!evaluateCondition(c('ForAllValues:StringNotEquals', 'kms:EncryptionContextKeys', ['a']), keys(['a', 'b'])));
  });
});

describe('policy variables', () => {
  const user = parsePrincipal('arn:aws:iam::111122223333:user/alice');
  const key = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const allowed = (statement: Record<string, unknown>, encryptionContext: Record<string, string> = {}) => evaluateAccess({
    principal: user, action: 'kms:Decrypt', resource: key, resourceAccountId: '111122223333',
    keyPolicy: parsePolicyDocument(ok([{ Effect: 'Allow', Principal: { AWS: user.arn }, Action: 'kms:Decrypt', Resource: '*', ...statement }]), { kind: 'key' }),
    context: buildConditionContext({ principal: user, now: new Date(0), encryptionContext }),
  }).allowed;
  it('${*} and ${?} stand for the literal characters, also where wildcards apply (StringLike, Resource)', () => {
    const literalStar = { Condition: { StringLike: { 'kms:EncryptionContext:scope': 'all${*}' } } };
    assert.equal(allowed(literalStar, { scope: 'all*' }), true);
    assert.equal(allowed(literalStar, { scope: 'all-tenants' }), false);
    assert.equal(allowed({ Condition: { StringEquals: { 'kms:EncryptionContext:scope': 'all${*}' } } }, { scope: 'all*' }), true);
    assert.equal(allowed({ Condition: { StringLike: { 'kms:EncryptionContext:scope': '${?}*' } } }, { scope: '?x' }), true);
    assert.equal(allowed({ Condition: { StringLike: { 'kms:EncryptionContext:scope': '${?}*' } } }, { scope: 'xx' }), false);
    assert.equal(allowed({ Resource: 'arn:aws:kms:us-east-1:111122223333:key/${*}' }), false);
    assert.equal(allowed({ Resource: 'arn:aws:kms:us-east-1:${aws:PrincipalAccount}:key/*' }), true);
  });
});
