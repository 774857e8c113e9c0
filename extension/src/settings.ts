/**
 * The extension's settings (package.json `contributes.configuration`, docs/EXTENSION.md
 * "Settings") resolved against the environment the same way the CLI resolves its global options
 * (ENVELOPE_HOME, ENVELOPE_PROFILE, ENVELOPE_REGION). Pure: takes a getter and an env map.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_PROFILE = 'default';
export const DEFAULT_MAX_EDITOR_FILE_SIZE = 32 * 1024 * 1024;

export type Backend =
  | { readonly kind: 'embedded'; readonly home: string }
  | { readonly kind: 'endpoint'; readonly url: string }
  | { readonly kind: 'aws' };

export type AfterEncrypt = 'ask' | 'keep' | 'delete';

export interface EnvelopeSettings {
  readonly backend: Backend;
  readonly profile: string;
  readonly region: string;
  readonly defaultKey: string | undefined;
  /** What happens to the plaintext original after a successful Encrypt (envelope.afterEncrypt). */
  readonly afterEncrypt: AfterEncrypt;
  readonly createKeystoreWithoutAsking: boolean;
  readonly maxEditorFileSize: number;
}

/** Reads one `envelope.*` setting (e.g. a `WorkspaceConfiguration.get`). */
export type SettingGetter = (name: string) => unknown;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** `~/x` and relative paths (to `baseDir`, the first workspace folder) become absolute. */
export function expandHome(path: string, baseDir: string | undefined, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  if (isAbsolute(path)) return path;
  return resolve(baseDir ?? home, path);
}

/** envelope.afterEncrypt; the older envelope.deleteOriginalAfterEncrypt = true still means "delete". */
function afterEncryptOf(value: unknown, legacyDelete: unknown): AfterEncrypt {
  if (legacyDelete === true) return 'delete';
  return value === 'keep' || value === 'delete' ? value : 'ask';
}

export function resolveSettings(
  get: SettingGetter,
  env: Readonly<Record<string, string | undefined>>,
  opts: { defaultHome: string; workspaceDir?: string },
): EnvelopeSettings {
  const endpoint = str(get('endpoint'));
  let backend: Backend;
  if (endpoint === undefined) {
    const home = str(get('keystoreHome')) ?? str(env['ENVELOPE_HOME']);
    backend = { kind: 'embedded', home: home === undefined ? opts.defaultHome : expandHome(home, opts.workspaceDir) };
  } else if (endpoint.toLowerCase() === 'aws') {
    backend = { kind: 'aws' };
  } else {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new TypeError(`envelope.endpoint must be empty, "aws" or an http(s) URL, got "${endpoint}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`envelope.endpoint must be an http(s) URL, got "${endpoint}"`);
    }
    backend = { kind: 'endpoint', url: url.toString().replace(/\/$/, '') };
  }
  const max = get('maxEditorFileSize');
  return {
    backend,
    profile: str(get('profile')) ?? str(env['ENVELOPE_PROFILE']) ?? str(env['AWS_PROFILE']) ?? DEFAULT_PROFILE,
    region: str(get('region')) ?? str(env['ENVELOPE_REGION']) ?? str(env['AWS_REGION']) ?? DEFAULT_REGION,
    defaultKey: str(get('defaultKey')),
    afterEncrypt: afterEncryptOf(get('afterEncrypt'), get('deleteOriginalAfterEncrypt')),
    createKeystoreWithoutAsking: get('createKeystoreWithoutAsking') === true,
    maxEditorFileSize: typeof max === 'number' && Number.isFinite(max) && max > 0 ? max : DEFAULT_MAX_EDITOR_FILE_SIZE,
  };
}

/** Which keystore or endpoint answers key requests, for error messages ("asked …"). */
export function keystoreLabel(s: EnvelopeSettings): string {
  switch (s.backend.kind) {
    case 'embedded':
      return `the embedded keystore ${s.backend.home}`;
    case 'endpoint':
      return `the KMS endpoint ${s.backend.url} (region ${s.region})`;
    case 'aws':
      return `AWS KMS in ${s.region} (profile ${s.profile})`;
  }
}

/** What the status bar shows: "profile · where the keys are". */
export function describeBackend(s: EnvelopeSettings, home: string = homedir()): string {
  switch (s.backend.kind) {
    case 'embedded': {
      const h = s.backend.home;
      const short = h === home ? '~' : h.startsWith(home + '/') ? `~/${h.slice(home.length + 1)}` : h;
      return `${s.profile} · ${short}`;
    }
    case 'endpoint':
      return `${s.profile} · ${s.backend.url}`;
    case 'aws':
      return `${s.profile} · AWS KMS ${s.region}`;
  }
}
