/**
 * The README five-minute tour (section "main-job") runs as typed: its shell blocks in one bash
 * session, with the real `npx` (resolving `envelope` and `tsx` from the repository's
 * node_modules/.bin, so `envelope` is the built binary; npm is offline, so a missing local bin
 * fails instead of fetching an unrelated package), and its `tour-file` TypeScript files, in a
 * scratch directory whose node_modules is the repository's (as in the repo root), with a temp
 * ENVELOPE_HOME. `envelope serve` must be stopped by the tour's own `kill` and free its port.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './helpers.js';
import { extractTour } from './readme-tour.js';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('README five-minute tour', function () {
  this.timeout(300_000);

  it('runs every command of the tour', async function () {
    if (!(await portFree(4599))) this.skip(); // another envelope serve owns the tour's port
    const tour = extractTour(await readFile(join(REPO, 'README.md'), 'utf8'));
    assert.ok(tour.shell.includes('npx envelope serve'), 'the tour starts envelope serve');
    assert.equal(tour.files.length, 2);
    const dir = await mkdtemp(join(tmpdir(), 'envelope-tour-'));
    try {
      // Like the repo root: its package.json scope and its node_modules.
      await writeFile(join(dir, 'package.json'), '{"type":"module","private":true}\n');
      await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
      for (const f of tour.files) await writeFile(join(dir, f.name), f.text);
      // Only a failed tour is cleaned up here; a passing one must stop its server itself.
      const script = `set -e\ntrap 'rc=$?; [ $rc -eq 0 ] || kill $(cat serve.pid 2>/dev/null) $(jobs -p) 2>/dev/null; exit $rc' EXIT\n${tour.shell}\n`;
      const result = await new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
        const child = spawn('bash', ['-c', script], {
          cwd: dir,
          env: { ...process.env, ENVELOPE_HOME: join(dir, 'home'), NODE_NO_WARNINGS: '1', npm_config_offline: 'true', npm_config_update_notifier: 'false' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 280_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, out, err });
        });
      });
      assert.equal(result.code, 0, `tour failed:\n${result.out}\n${result.err}`);
      assert.match(result.out, /^meet at dawn$/m);
      assert.match(result.out, /round trip: meet at dawn/);
      assert.match(result.out, /data key round trip: true/);
      assert.match(result.out, /message round trip: hello from the SDK/);
      assert.ok(!result.out.includes('UsageError') && !result.err.includes('UsageError'));
      // The tour's `kill "$(cat serve.pid)"` reached the server itself: it let go of the port and its PID file.
      let free = false;
      for (let i = 0; i < 100 && !free; i++) {
        free = (await portFree(4599)) && !existsSync(join(dir, 'serve.pid'));
        if (!free) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(free, 'envelope serve still runs (or left serve.pid) after the tour stopped it');
    } finally {
      const left = await readFile(join(dir, 'serve.pid'), 'utf8').catch(() => '');
      if (/^\d+\s*$/.test(left)) {
        try {
          process.kill(Number(left), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await rm(dir, { recursive: true, force: true });
    }
  });
});
