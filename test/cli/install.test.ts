/**
 * Installable anywhere (issue 13): `npm pack` of @envelope/core and @envelope/cli (the build that
 * `npm test` has just made), installed from the two tarballs into an empty directory outside the
 * repository, as a user would. There `npx envelope --version`, the README's first tour block
 * (create a key, encrypt, inspect, decrypt), a plain-Node `import('@envelope/core')` and a strict
 * TypeScript type-check of a file importing the package must work, and internals must stay private.
 * npm runs with --prefer-offline (the dependencies come from the npm cache `npm ci` filled) and npx
 * offline, so a missing local bin fails instead of fetching an unrelated `envelope` package.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './helpers.js';
import { firstBlock } from './readme-tour.js';

interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 400_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout, err: stderr });
    });
  });
}

async function ok(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await run(cmd, args, cwd, env);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')} failed (exit ${r.code}):\n${r.out}\n${r.err}`);
  return r.out;
}

interface PackResult {
  readonly name: string;
  readonly filename: string;
  readonly files: { path: string }[];
}

const OFFLINE = { npm_config_offline: 'true', npm_config_update_notifier: 'false', NODE_NO_WARNINGS: '1' };

describe('npm pack, then install outside the repository', function () {
  this.timeout(600_000);
  let dir: string;
  let app: string;
  let packs: PackResult[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-install-'));
    app = join(dir, 'app');
    await mkdir(app);
    packs = JSON.parse(
      await ok('npm', ['pack', '--json', '--pack-destination', dir, '-w', '@envelope/core', '-w', '@envelope/cli'], REPO),
    ) as PackResult[];
    await writeFile(join(app, 'package.json'), '{ "name": "app", "private": true, "type": "module" }\n');
    const types = JSON.parse(await readFile(join(REPO, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string };
    await ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...packs.map((p) => join(dir, p.filename)), `@types/node@${types.version}`], app);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('the tarballs ship the build (dist/, bin/) and no sources, build info or stale outputs', async () => {
    assert.deepEqual(packs.map((p) => p.name).sort(), ['@envelope/cli', '@envelope/core']);
    for (const p of packs) {
      const root = join(REPO, 'packages', p.name.replace('@envelope/', ''));
      const paths = p.files.map((f) => f.path);
      assert.ok(paths.includes('package.json'));
      for (const path of paths) {
        assert.match(path, /^(package\.json|README\.md|dist\/.+\.(js|d\.ts|js\.map)|bin\/[\w-]+\.js)$/, `${p.name} ships ${path}`);
        // Every compiled file has its source: a file left behind by a removed source is not shipped.
        const source = path.replace(/^dist\//, 'src/').replace(/\.(js|d\.ts|js\.map)$/, '.ts');
        if (path.startsWith('dist/')) assert.ok(existsSync(join(root, source)), `${p.name}: ${path} has no ${source} (run npm run clean && npm run build)`);
      }
    }
  });

  it('npx envelope --version runs the installed binary', async () => {
    assert.equal((await ok('npx', ['envelope', '--version'], app, OFFLINE)).trim(), '0.1.0');
  });

  it("the README's first tour block works as typed", async () => {
    const block = firstBlock(await readFile(join(REPO, 'README.md'), 'utf8'));
    assert.match(block, /npx envelope encrypt/);
    const out = await ok('bash', ['-e', '-c', block], app, { ...OFFLINE, ENVELOPE_HOME: join(dir, 'home') });
    assert.match(out, /^meet at dawn$/m);
  });

  it('plain Node imports @envelope/core and its sub-entries, and nothing internal', async () => {
    await ok(process.execPath, ['--input-type=module', '-e', "import('@envelope/core')"], app);
    const probe = [
      "const root = await import('@envelope/core');",
      "const streams = await import('@envelope/core/streams');",
      "const web = await import('@envelope/core/web-streams');",
      "if (typeof root.createEncryptStream !== 'function' || typeof streams.encrypt !== 'function' || typeof web.createWebEncryptStream !== 'function') process.exit(3);",
      "const denied = await import('@envelope/core/kms/kms').then(() => 'loaded', (e) => e.code);",
      'console.log(denied);',
    ].join('\n');
    assert.equal((await ok(process.execPath, ['--input-type=module', '-e', probe], app)).trim(), 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('a TypeScript file importing @envelope/core type-checks (strict, NodeNext, the shipped .d.ts checked too)', async () => {
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['check.ts', 'wrong.ts'] }),
    );
    await writeFile(
      join(app, 'check.ts'),
      [
        "import { decrypt, encrypt, RawAesKeyring, type HeaderDescription, describeHeader, readHeader, bufferSource } from '@envelope/core';",
        "import { createEncryptStream } from '@envelope/core/streams';",
        "const keyring = new RawAesKeyring({ keyNamespace: 'app', keyName: 'k', wrappingKey: new Uint8Array(32) });",
        "const message: Uint8Array = await encrypt(new TextEncoder().encode('hi'), { keyring, context: { a: 'b' } });",
        'const { plaintext } = await decrypt(message, { keyring });',
        'const text: string = new TextDecoder().decode(plaintext);',
        'const d: HeaderDescription = describeHeader(await readHeader(bufferSource(message)));',
        'createEncryptStream({ keyring });',
        'export { text, d };',
        '',
      ].join('\n'),
    );
    // And the check can fail: wrong.ts misuses the API, and only it may be reported.
    await writeFile(join(app, 'wrong.ts'), "import { encrypt } from '@envelope/core';\nconst n: number = await encrypt(new Uint8Array(1), {});\nexport { n };\n");
    const r = await run(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
    const errors = r.out.split('\n').filter((l) => /error TS\d+/.test(l));
    assert.ok(errors.length > 0, `tsc reported nothing for wrong.ts:\n${r.out}${r.err}`);
    assert.deepEqual(errors.filter((l) => !l.startsWith('wrong.ts(')), [], r.out);
  });
});
