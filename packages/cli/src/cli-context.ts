/**
 * Per-invocation context: the resolved global options (--home/ENVELOPE_HOME, --profile/
 * ENVELOPE_PROFILE, --region/ENVELOPE_REGION, --json, --quiet, --debug), lazy access to the
 * local Kms and Iam, the caller identity of the active profile, and output rendering.
 */
import { resolve } from 'node:path';
import { DEFAULT_REGION, systemClock, systemRandom, type Clock, type Random } from '@envelope/core';
import type { CliIo } from './io.js';
import { writeText } from './io.js';
import { openServices, type Services } from './services.js';
import { renderText } from './util/render.js';
import { toWire } from './aws-json/shapes.js';

export interface GlobalOptions {
  readonly home?: string;
  readonly profile?: string;
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
  const profile = str(raw['profile']) ?? str(env['ENVELOPE_PROFILE']);
  const region = str(raw['region']) ?? str(env['ENVELOPE_REGION']);
  return {
    ...(home !== undefined ? { home } : {}),
    ...(profile !== undefined ? { profile } : {}),
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

  constructor(io: CliIo, opts: GlobalOptions) {
    this.io = io;
    this.opts = opts;
    this.clock = io.clock ?? systemClock;
    this.random = io.random ?? systemRandom;
  }

  /** The Kms, Iam and caller of this invocation (opened on first use). */
  open(): Promise<Services> {
    this.services ??= openServices({
      ...(this.opts.home !== undefined ? { home: resolve(this.io.cwd, this.opts.home) } : {}),
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

  /** Waits for a half-open store to settle (nothing to release: keystore writes are per update). */
  async close(): Promise<void> {
    await this.services?.catch(() => undefined);
  }
}
