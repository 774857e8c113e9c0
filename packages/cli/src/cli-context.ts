/**
 * Per-invocation context: the resolved global options (--home/ENVELOPE_HOME, --profile/
 * ENVELOPE_PROFILE, --region/ENVELOPE_REGION, --endpoint-url/ENVELOPE_ENDPOINT_URL, --json,
 * --quiet, --debug), the KMS chosen once for the invocation (kms-choice.ts: the embedded keystore
 * or a remote KMS), lazy access to the local Kms and Iam, and output rendering.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  awsProfileExists, DEFAULT_REGION, defaultHome, Iam, KEYSTORE_FILE, openDefaultKms, systemClock, systemRandom,
  type Clock, type Random,
} from '@envelope/core/local-kms';
import type { CliIo } from './io.js';
import { writeText } from './io.js';
import { UsageError } from './errors.js';
import { chooseKms, type KmsChoice } from './kms-choice.js';
import { openRemote, openServices, type KmsBackend, type Services } from './services.js';
import { renderText } from './util/render.js';
import { toWire } from './aws-json/shapes.js';

export interface GlobalOptions {
  readonly home?: string;
  /** --profile, else ENVELOPE_PROFILE. */
  readonly profile?: string;
  /** The --profile flag alone: with a remote KMS it names the AWS profile (kms-choice.ts). */
  readonly profileFlag?: string;
  /** --endpoint-url / ENVELOPE_ENDPOINT_URL: an AWS-compatible KMS endpoint, or "aws". */
  readonly endpointUrl?: string;
  /** --region / ENVELOPE_REGION, else us-east-1 (Services.region also honours a profile's region). */
  readonly region: string;
  /** True when the region was given explicitly (flag or environment). */
  readonly regionGiven: boolean;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly debug: boolean;
}

/** Reads the global options from commander's merged options and the injected environment. */
export function resolveGlobalOptions(raw: Record<string, unknown>, env: CliIo['env']): GlobalOptions {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const home = str(raw['home']) ?? str(env['ENVELOPE_HOME']);
  const profileFlag = str(raw['profile']);
  const profile = profileFlag ?? str(env['ENVELOPE_PROFILE']);
  const endpointUrl = str(raw['endpointUrl']) ?? str(env['ENVELOPE_ENDPOINT_URL']);
  const region = str(raw['region']) ?? str(env['ENVELOPE_REGION']);
  return {
    ...(home !== undefined ? { home } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(profileFlag !== undefined ? { profileFlag } : {}),
    ...(endpointUrl !== undefined ? { endpointUrl } : {}),
    region: region ?? DEFAULT_REGION,
    regionGiven: region !== undefined,
    json: raw['json'] === true,
    quiet: raw['quiet'] === true,
    debug: raw['debug'] === true,
  };
}

export class CliContext {
  readonly io: CliIo;
  readonly opts: GlobalOptions;
  readonly clock: Clock;
  readonly random: Random;
  private services: Promise<Services> | undefined;
  private choice: Promise<KmsChoice> | undefined;
  private backend: Promise<KmsBackend> | undefined;
  private readonly closers: (() => void)[] = [];

  constructor(io: CliIo, opts: GlobalOptions) {
    this.io = io;
    this.opts = opts;
    this.clock = io.clock ?? systemClock;
    this.random = io.random ?? systemRandom;
  }

  /** Which KMS this invocation uses (kms-choice.ts), decided on first use. */
  kmsChoice(): Promise<KmsChoice> {
    this.choice ??= chooseKms({
      ...(this.opts.endpointUrl !== undefined ? { endpointUrl: this.opts.endpointUrl } : {}),
      ...(this.opts.profileFlag !== undefined ? { profileFlag: this.opts.profileFlag } : {}),
      isAwsProfile: (name) => awsProfileExists(name),
      isEnvelopeProfile: async (name) => {
        if (name === 'default') return true;
        const home = this.home();
        if (!existsSync(join(home, KEYSTORE_FILE))) return false;
        return Object.hasOwn(new Iam({ store: openDefaultKms({ home }).store }).state().profiles, name);
      },
    });
    return this.choice;
  }

  /** The KMS the key, alias, grant, policy, `kms` and file commands use: embedded or remote (opened on first use). */
  kms(): Promise<KmsBackend> {
    this.backend ??= this.kmsChoice().then((choice) =>
      choice.kind === 'embedded'
        ? this.embedded()
        : openRemote({
            ...(choice.endpoint !== undefined ? { endpoint: choice.endpoint } : {}),
            ...(choice.profile !== undefined ? { profile: choice.profile } : {}),
            ...(this.opts.regionGiven ? { region: this.opts.region } : {}),
          }),
    );
    return this.backend;
  }

  /**
   * The embedded keystore's Kms, Iam and caller (opened on first use), for the commands that manage
   * the keystore itself; refused when this invocation uses a remote KMS.
   */
  async open(): Promise<Services> {
    const choice = await this.kmsChoice();
    if (choice.kind === 'remote') {
      const where = choice.endpoint ?? `AWS KMS (AWS profile ${choice.profile ?? 'from the environment'})`;
      throw new UsageError(`this command works on the embedded keystore only; it cannot use the remote KMS chosen by --endpoint-url/--profile (${where})`);
    }
    return this.embedded();
  }

  /** The keystore directory: --home / ENVELOPE_HOME, else ~/.envelope. */
  home(): string {
    return this.opts.home !== undefined ? resolve(this.io.cwd, this.opts.home) : defaultHome(this.io.env);
  }

  private embedded(): Promise<Services> {
    this.services ??= openServices({
      home: this.home(),
      ...(this.opts.regionGiven ? { region: this.opts.region } : {}),
      ...(this.opts.profile !== undefined ? { profile: this.opts.profile } : {}),
      env: this.io.env,
      ...(this.io.clock ? { clock: this.io.clock } : {}),
      ...(this.io.random ? { random: this.io.random } : {}),
    }).then(async (s) => {
      // A mistyped ENVELOPE_HOME must not silently start an empty keystore.
      if (s.created) await writeText(this.io.stderr, `envelope: created a new keystore in ${s.home}\n`);
      return s;
    });
    return this.services;
  }

  /** Resolves a user-given path against the CLI's cwd ('-' stays '-'). */
  path(p: string): string {
    return p === '-' ? p : resolve(this.io.cwd, p);
  }

  /** Prints a result: AWS-shaped JSON with --json (epoch-second dates), readable text otherwise (ISO-8601 dates). */
  async print(value: unknown, text?: string): Promise<void> {
    if (this.opts.json) {
      await writeText(this.io.stdout, `${JSON.stringify(toWire(value), null, 2)}\n`);
      return;
    }
    const out = text ?? renderText(toWire(value, '', 'iso'));
    if (out !== '') await writeText(this.io.stdout, out.endsWith('\n') ? out : `${out}\n`);
  }

  /**
   * Reports a command whose result is a side effect (a file written, an artifact deleted):
   * `summary` as JSON on stdout with --json, else `text` as a note on stderr.
   */
  async done(summary: Record<string, unknown>, text: string): Promise<void> {
    if (this.opts.json) await this.print(summary);
    else await this.note(text);
  }

  /** An informational line on stderr (suppressed by --quiet). */
  async note(text: string): Promise<void> {
    if (this.opts.quiet) return;
    await writeText(this.io.stderr, `${text}\n`);
  }

  /** A unique hex suffix for temp files. */
  tempSuffix(): string {
    return Buffer.from(this.random(6)).toString('hex');
  }

  /** Runs `release` when the invocation closes (connections a command opened besides the backend's). */
  onClose(release: () => void): void {
    this.closers.push(release);
  }

  /** Waits for a half-open store to settle (nothing to release: keystore writes are per update). */
  async close(): Promise<void> {
    await this.services?.catch(() => undefined);
    (await this.backend?.catch(() => undefined))?.close();
    for (const release of this.closers.splice(0)) release();
  }
}
