/**
 * Keeps the opened key backend for the current settings (docs/EXTENSION.md "Settings"): opened on
 * first use, reopened when an `envelope.*` setting changes, and guarded by the one-time
 * confirmation before the embedded keystore is created. The root-key passphrase, when used, comes
 * from VS Code SecretStorage (never from settings).
 */
import { openKeyBackend, type KeyBackend, type OpenBackendHooks } from './key-backend.js';
import type { EnvelopeSettings } from './settings.js';

export interface SecretStoreLike {
  get(key: string): Thenable<string | undefined> | Promise<string | undefined>;
  store(key: string, value: string): Thenable<void> | Promise<void>;
  delete(key: string): Thenable<void> | Promise<void>;
}

export function passphraseSecretKey(home: string): string {
  return `envelope.passphrase:${home}`;
}

export class BackendSession {
  private current: { key: string; backend: Promise<KeyBackend> } | undefined;

  constructor(
    private readonly settings: () => EnvelopeSettings,
    private readonly secrets: SecretStoreLike,
    private readonly confirmCreate: (home: string) => Promise<boolean>,
    private readonly open: typeof openKeyBackend = openKeyBackend,
  ) {}

  /** The backend for the current settings; a failed open is retried on the next call. */
  get(): Promise<KeyBackend> {
    const s = this.settings();
    const key = JSON.stringify([s.backend, s.region, s.profile]);
    if (this.current?.key !== key) {
      const previous = this.current;
      const hooks: OpenBackendHooks = {
        confirmCreateKeystore: (home) => (s.createKeystoreWithoutAsking ? Promise.resolve(true) : this.confirmCreate(home)),
        passphrase: async () => (s.backend.kind === 'embedded' ? await this.secrets.get(passphraseSecretKey(s.backend.home)) : undefined),
      };
      const backend = this.open(s, hooks);
      this.current = { key, backend };
      backend.catch(() => {
        if (this.current?.backend === backend) this.current = undefined;
      });
      void previous?.backend.then((b) => b.close(), () => undefined);
    }
    return this.current!.backend;
  }

  /** Forgets the opened backend (after a passphrase or settings change). */
  reset(): void {
    const previous = this.current;
    this.current = undefined;
    void previous?.backend.then((b) => b.close(), () => undefined);
  }

  async setPassphrase(home: string, passphrase: string | undefined): Promise<void> {
    if (passphrase === undefined || passphrase === '') await this.secrets.delete(passphraseSecretKey(home));
    else await this.secrets.store(passphraseSecretKey(home), passphrase);
    this.reset();
  }
}
