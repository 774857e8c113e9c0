/**
 * `envelope sts assume-role|get-caller-identity` — local AWS STS (AWS STS API Reference:
 * AssumeRole, GetCallerIdentity) for the active profile's principal. The session's secret and
 * token are printed once, here; `--shell` prints the variables every AWS SDK reads, and
 * `--save-profile P` stores a profile that acts as the session until it expires.
 */
import type { CliContext } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { writeText } from '../io.js';

export interface AssumeRoleArgs {
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly durationSeconds?: string;
  readonly externalId?: string;
  readonly shell?: boolean;
  readonly saveProfile?: string;
}

export async function stsAssumeRole(ctx: CliContext, args: AssumeRoleArgs): Promise<void> {
  const duration = args.durationSeconds === undefined ? undefined : Number(args.durationSeconds);
  if (duration !== undefined && !Number.isInteger(duration)) throw new UsageError(`--duration-seconds must be an integer, got "${args.durationSeconds}"`);
  const services = await ctx.open();
  const res = await services.sts.AssumeRole(
    {
      RoleArn: args.roleArn,
      RoleSessionName: args.roleSessionName,
      ...(duration !== undefined ? { DurationSeconds: duration } : {}),
      ...(args.externalId !== undefined ? { ExternalId: args.externalId } : {}),
    },
    services.caller,
  );
  const c = res.Credentials;
  if (args.saveProfile !== undefined) {
    await services.iam.PutProfile({
      ProfileName: args.saveProfile,
      Principal: res.AssumedRoleUser.Arn,
      AccountId: res.AssumedRoleUser.Arn.split(':')[4] as string,
      Region: services.region,
      SessionAccessKeyId: c.AccessKeyId,
    });
  }
  if (args.shell === true && !ctx.opts.json) {
    // For `eval "$(envelope sts assume-role … --shell)"`.
    await writeText(
      ctx.io.stdout,
      `export AWS_ACCESS_KEY_ID=${c.AccessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${c.SecretAccessKey}\nexport AWS_SESSION_TOKEN=${c.SessionToken}\nexport AWS_REGION=${services.region}\n`,
    );
    return;
  }
  await ctx.print(
    { Credentials: { ...c, Expiration: c.Expiration.toISOString() }, AssumedRoleUser: res.AssumedRoleUser },
    [
      `AssumedRoleUser: ${res.AssumedRoleUser.Arn}`,
      `AccessKeyId:     ${c.AccessKeyId}`,
      `SecretAccessKey: ${c.SecretAccessKey}`,
      `SessionToken:    ${c.SessionToken}`,
      `Expiration:      ${c.Expiration.toISOString()}`,
      ...(args.saveProfile !== undefined ? [`(saved as profile ${args.saveProfile}: envelope --profile ${args.saveProfile} … acts as this session until it expires)`] : []),
    ].join('\n'),
  );
}

export async function stsGetCallerIdentity(ctx: CliContext): Promise<void> {
  const services = await ctx.open();
  const r = services.sts.GetCallerIdentity(services.caller);
  await ctx.print(r, `${r.Arn}\n(account ${r.Account}, user id ${r.UserId})`);
}
