/**
 * The README five-minute tour (section "main-job") runs as written: its shell blocks in one bash
 * session and its `tour-file` TypeScript files, in a scratch directory below the repository (so
 * `@envelope/core` and the AWS SDK resolve as they do for a user in the repo root), with `npx`
 * mapped to the repo's envelope and tsx, and a temp ENVELOPE_HOME.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BIN, REPO } from './helpers.js';

interface Tour {
  readonly shell: string;
  readonly files: { name: string; text: string }[];
}

/** Extracts the shell blocks and tour files of the README's "The main job" section (up to the next heading). */
export function extractTour(readme: string): Tour {
  const start = readme.indexOf('\n## The main job');
  assert.ok(start >= 0, 'README has a "## The main job" section');
  const next = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, next < 0 ? undefined : next);
  const shell: string[] = [];
  const files: { name: string; text: string }[] = [];
  const re = /(?:<!-- tour-file: (\S+) -->\n)?```(\w+)\n([\s\S]*?)```/g;
  for (let m = re.exec(section); m !== null; m = re.exec(section)) {
    const [, file, lang, body] = m as unknown as [string, string | undefined, string, string];
    if (file !== undefined) files.push({ name: file, text: body });
    else if (lang === 'sh') shell.push(body);
  }
  return { shell: shell.join('\n'), files };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('README five-minute tour', function () {
  this.timeout(120_000);

  it('runs every command of the tour', async function () {
    if (!(await portFree(4599))) this.skip(); // another envelope serve owns the tour's port
    const tour = extractTour(await readFile(join(REPO, 'README.md'), 'utf8'));
    assert.ok(tour.shell.includes('npx envelope serve'), 'the tour starts envelope serve');
    assert.equal(tour.files.length, 2);
    const scratchRoot = join(REPO, 'node_modules', '.cache');
    await mkdir(scratchRoot, { recursive: true });
    const dir = await mkdtemp(join(scratchRoot, 'envelope-tour-'));
    try {
      const shim = join(dir, '.bin');
      await mkdir(shim);
      await writeFile(
        join(shim, 'npx'),
        `#!/bin/sh\ncmd="$1"; shift\ncase "$cmd" in\n  envelope) exec "${process.execPath}" "${BIN}" "$@" ;;\n  tsx) exec "${join(REPO, 'node_modules/.bin/tsx')}" "$@" ;;\n  *) echo "tour shim: unexpected npx $cmd" >&2; exit 127 ;;\nesac\n`,
      );
      await chmod(join(shim, 'npx'), 0o755);
      // Like the repo root's package.json (a scratch dir under node_modules is outside its scope).
      await writeFile(join(dir, 'package.json'), '{"type":"module","private":true}\n');
      for (const f of tour.files) await writeFile(join(dir, f.name), f.text);
      const script = `set -e\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n${tour.shell}\n`;
      const result = await new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
        const child = spawn('bash', ['-c', script], {
          cwd: dir,
          env: { ...process.env, PATH: `${shim}:${process.env['PATH'] ?? ''}`, ENVELOPE_HOME: join(dir, 'home'), NODE_NO_WARNINGS: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
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
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
