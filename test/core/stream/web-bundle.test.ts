/**
 * The Web Streams entry point (packages/core/src/stream/web-streams.ts) must bundle for a browser
 * with no Node built-in: VS Code for the web and browsers load it (STYLE.md §1, one family per file).
 */
import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

describe('stream: Web Streams bundle for the browser', () => {
  it('bundles web-streams.ts with platform=browser and no node: import', async () => {
    const entry = fileURLToPath(new URL('../../../packages/core/src/stream/web-streams.ts', import.meta.url));
    const result = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    const code = result.outputFiles[0]!.text;
    assert.ok(!/from\s*["']node:|require\(["']node:/.test(code), 'the browser bundle imports a Node built-in');
    assert.match(code, /createWebEncryptStream/);
  });
});
