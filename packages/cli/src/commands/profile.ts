/**
 * `envelope profile add|list|use` — who the CLI acts as (docs/ACCESS.md "Profiles"). A profile maps
 * a name to a principal in an account; `--profile NAME` / ENVELOPE_PROFILE picks one per command,
 * and `profile use NAME` makes it the stored "default" profile (`profile use default` goes back to
 * the default account's root).
 */
import type { CliContext } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { renderTable } from '../util/render.js';

const DEFAULT = 'default';

export async function profileAdd(ctx: CliContext, name: string, args: { account: string; principal?: string; region?: string }): Promise<void> {
  if (!/^\d{12}$/.test(args.account)) throw new UsageError(`--account must be a 12-digit account id, got "${args.account}"`);
  const services = await ctx.open();
  if (!services.iam.ListAccounts().Accounts.some((a) => a.AccountId === args.account)) {
    await services.iam.CreateAccount({ AccountId: args.account });
  }
  const res = await services.iam.PutProfile({
    ProfileName: name,
    Principal: args.principal ?? 'root',
    AccountId: args.account,
    ...(args.region !== undefined ? { Region: args.region } : {}),
  });
  await ctx.print(res, `profile ${name} -> ${res.Profile.Principal}`);
}

export async function profileList(ctx: CliContext): Promise<void> {
  const services = await ctx.open();
  const { Profiles } = services.iam.ListProfiles();
  await ctx.print(
    { Profiles, Active: ctx.opts.profile ?? DEFAULT },
    renderTable(
      ['', 'Profile', 'Principal', 'Region'],
      Profiles.map((p) => [p.ProfileName === (ctx.opts.profile ?? DEFAULT) ? '*' : '', p.ProfileName, p.Principal, p.Region ?? '-']),
    ),
  );
}

export async function profileUse(ctx: CliContext, name: string): Promise<void> {
  const services = await ctx.open();
  const { Profiles } = services.iam.ListProfiles();
  if (name === DEFAULT) {
    if (Profiles.some((p) => p.ProfileName === DEFAULT && p.Principal !== `arn:aws:iam::${p.AccountId}:root`) || services.iam.state().profiles[DEFAULT]) {
      await services.iam.DeleteProfile({ ProfileName: DEFAULT });
    }
    const root = services.iam.resolveProfile(DEFAULT);
    await ctx.print({ Profile: { ProfileName: DEFAULT, Principal: root.principal, AccountId: root.accountId } }, `default profile -> ${root.principal}`);
    return;
  }
  const p = Profiles.find((x) => x.ProfileName === name);
  if (p === undefined) throw new UsageError(`no profile "${name}"; add it with: envelope profile add ${name} --account <id> [--principal ARN]`);
  const res = await services.iam.PutProfile({ ProfileName: DEFAULT, Principal: p.Principal, AccountId: p.AccountId, ...(p.Region ? { Region: p.Region } : {}) });
  await ctx.print(res, `default profile -> ${p.Principal} (from ${name})`);
}
