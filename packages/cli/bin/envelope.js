#!/usr/bin/env node
// The `envelope` binary: runs the compiled CLI (dist/, written by `npm run build`, and by `npm ci`
// and `npm test` in the repository). No TypeScript is compiled at run time.
// In a source checkout (src/ beside dist/; the published package ships no src/), a build older than
// its sources is refused with one line instead of running stale code (bin/fresh-build.js).
import { existsSync } from 'node:fs';

if (existsSync(new URL('../src/', import.meta.url))) {
  const { staleBuildMessage } = await import('./fresh-build.js');
  const message = staleBuildMessage();
  if (message !== undefined) {
    process.stderr.write(`envelope: ${message}\n`);
    process.exit(1);
  }
}
await import('../dist/main.js');
