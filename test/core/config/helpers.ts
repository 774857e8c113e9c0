/**
 * Test helpers for config files: the external tools the tests compare against (gpg, age) are
 * installed with apt-get when missing, and SOPS's functional-test key is imported into a private
 * GNUPGHOME per test run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'sops');

export function fixture(rel: string): Buffer {
  return readFileSync(join(FIXTURES, rel));
}

let aptUpdated = false;
/** Makes sure `tool` is on PATH, installing the Debian package `pkg` if needed (CI runs as root). */
export function ensureTool(tool: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0) return;
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 300_000 });
    aptUpdated = true;
  }
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** A temp GNUPGHOME holding SOPS's functional-test key pair; call `dispose()` after. */
export function testGnupgHome(): { home: string; dispose(): void } {
  ensureTool('gpg', 'gnupg');
  const home = mkdtempSync(join(tmpdir(), 'envelope-gpg-'));
  execFileSync('gpg', ['--batch', '--quiet', '--import', join(FIXTURES, 'sops_functional_tests_key.asc')], { env: { ...process.env, GNUPGHOME: home }, stdio: 'ignore' });
  return {
    home,
    dispose() {
      spawnSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home }, stdio: 'ignore' });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export const AGE_KEYS_FILE = join(FIXTURES, 'age', 'keys.txt');
