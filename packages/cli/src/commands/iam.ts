/**
 * `envelope iam create-user|create-role|put-policy|create-access-key|list` — local IAM identities
 * (IAM API Reference: CreateUser, CreateRole, PutUserPolicy/PutRolePolicy, CreateAccessKey,
 * ListUsers/ListRoles/ListAccessKeys). A new 12-digit account named by --account is registered
 * on first use. The secret access key is printed once, here, and never logged.
 */
import type { CliContext } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { readValueArg } from '../util/value-arg.js';
import { renderTable } from '../util/render.js';
import type { Services } from '../services.js';
import { writeText } from '../io.js';

/** Registers `account` (12 digits) in the local IAM when it is not known yet. */
async function ensureAccount(services: Services, account: string | undefined): Promise<{ AccountId?: string }> {
  if (account === undefined) return {};
  if (!/^\d{12}$/.test(account)) throw new UsageError(`--account must be a 12-digit account id, got "${account}"`);
  const known = services.iam.ListAccounts().Accounts.some((a) => a.AccountId === account);
  if (!known) await services.iam.CreateAccount({ AccountId: account });
  return { AccountId: account };
}

export async function iamCreateUser(ctx: CliContext, args: { name: string; account?: string }): Promise<void> {
  const services = await ctx.open();
  const target = await ensureAccount(services, args.account);
  const res = await services.iam.CreateUser({ UserName: args.name, ...target });
  await ctx.print(res, `created user ${res.User.Arn}`);
}

export async function iamCreateRole(
  ctx: CliContext,
  args: { name: string; account?: string; description?: string; trustPolicy?: string; maxSessionDuration?: string },
): Promise<void> {
  const trust = args.trustPolicy === undefined ? undefined : await readValueArg(args.trustPolicy, ctx.io, '--trust-policy');
  const max = args.maxSessionDuration === undefined ? undefined : Number(args.maxSessionDuration);
  if (max !== undefined && !Number.isInteger(max)) throw new UsageError(`--max-session-duration must be an integer, got "${args.maxSessionDuration}"`);
  const services = await ctx.open();
  const target = await ensureAccount(services, args.account);
  const res = await services.iam.CreateRole({
    RoleName: args.name,
    ...target,
    ...(args.description !== undefined ? { Description: args.description } : {}),
    ...(trust !== undefined ? { AssumeRolePolicyDocument: trust } : {}),
    ...(max !== undefined ? { MaxSessionDuration: max } : {}),
  });
  await ctx.print(res, `created role ${res.Role.Arn}`);
}

export interface PutPolicyArgs {
  readonly user?: string;
  readonly role?: string;
  readonly name: string;
  readonly document: string;
  readonly account?: string;
}

export async function iamPutPolicy(ctx: CliContext, args: PutPolicyArgs): Promise<void> {
  if ((args.user === undefined) === (args.role === undefined)) throw new UsageError('iam put-policy needs exactly one of --user <name> or --role <name>');
  const document = await readValueArg(args.document, ctx.io, '--document');
  const services = await ctx.open();
  const target = await ensureAccount(services, args.account);
  if (args.user !== undefined) {
    await services.iam.PutUserPolicy({ UserName: args.user, PolicyName: args.name, PolicyDocument: document, ...target });
  } else {
    await services.iam.PutRolePolicy({ RoleName: args.role as string, PolicyName: args.name, PolicyDocument: document, ...target });
  }
  await ctx.print({ PolicyName: args.name, ...(args.user ? { UserName: args.user } : { RoleName: args.role }) }, `put policy ${args.name} on ${args.user ? `user ${args.user}` : `role ${args.role}`}`);
}

export async function iamCreateAccessKey(ctx: CliContext, args: { user: string; account?: string; shell?: boolean }): Promise<void> {
  const services = await ctx.open();
  const target = await ensureAccount(services, args.account);
  const res = await services.iam.CreateAccessKey({ UserName: args.user, ...target });
  if (args.shell === true && !ctx.opts.json) {
    // For `eval "$(envelope iam create-access-key --user dev --shell)"`: the variables every AWS SDK reads.
    await writeText(
      ctx.io.stdout,
      `export AWS_ACCESS_KEY_ID=${res.AccessKey.AccessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${res.AccessKey.SecretAccessKey}\nexport AWS_REGION=${services.region}\n`,
    );
    return;
  }
  await ctx.print(
    res,
    [
      `AccessKeyId:     ${res.AccessKey.AccessKeyId}`,
      `SecretAccessKey: ${res.AccessKey.SecretAccessKey}`,
      '(the secret is shown only now; use them with envelope serve, e.g. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)',
    ].join('\n'),
  );
}

export async function iamList(ctx: CliContext, args: { account?: string }): Promise<void> {
  const services = await ctx.open();
  const target = args.account !== undefined ? await ensureAccount(services, args.account) : {};
  const users = services.iam.ListUsers(target).Users;
  const roles = services.iam.ListRoles(target).Roles;
  const accessKeys = users.flatMap((u) => services.iam.ListAccessKeys({ UserName: u.UserName, AccountId: u.AccountId }).AccessKeyMetadata);
  const rows = [
    ...users.map((u) => ['user', u.Arn, accessKeys.filter((k) => k.UserName === u.UserName).map((k) => `${k.AccessKeyId} (${k.Status})`).join(', ') || '-']),
    ...roles.map((r) => ['role', r.Arn, '-']),
  ];
  await ctx.print({ Users: users, Roles: roles, AccessKeys: accessKeys }, rows.length === 0 ? '(no users or roles)' : renderTable(['Type', 'Arn', 'AccessKeys'], rows));
}
