// Only used in a source checkout of the repository (see envelope.js): is the compiled build of
// @envelope/cli and of the @envelope/core it runs at least as new as every source file and directory
// it was built from? `tsc -b` (npm run build) rewrites or re-stamps dist/.tsbuildinfo whenever a
// source is newer, so one stat per source file and directory answers it (about 150 stats, a few ms).
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';

/**
 * The newest mtime (ms) under `dir` (files and directories, so added or removed files count too).
 * A plain walk: readdirSync's `recursive` option costs ~20 ms more CPU on Node 20.
 */
function newestUnder(dir, newest = { path: dir, mtimeMs: statSync(dir).mtimeMs }) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const { mtimeMs } = statSync(path);
    if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
    if (entry.isDirectory()) newest = newestUnder(path, newest);
  }
  return newest;
}

/** Why the package at `root` must be rebuilt, or undefined when its build is fresh (or it has no sources). */
function staleReason(root, repo) {
  let built;
  try {
    built = statSync(join(root, 'dist', '.tsbuildinfo')).mtimeMs;
  } catch {
    return `${relative(repo, root)} is not built`;
  }
  let newest;
  try {
    newest = newestUnder(join(root, 'src'));
  } catch {
    return undefined; // no sources beside this build (an installed package)
  }
  const config = statSync(join(root, 'tsconfig.build.json')).mtimeMs;
  if (config > newest.mtimeMs) newest = { path: join(root, 'tsconfig.build.json'), mtimeMs: config };
  return newest.mtimeMs > built ? `${relative(repo, newest.path)} is newer than the build` : undefined;
}

/** One line for the user when the CLI or core build is missing or older than its sources; else undefined. */
export function staleBuildMessage() {
  const cli = fileURLToPath(new URL('..', import.meta.url));
  const core = dirname(fileURLToPath(import.meta.resolve('@envelope/core/package.json')));
  const repo = join(cli, '..', '..');
  const reason = staleReason(cli, repo) ?? staleReason(core, repo);
  return reason === undefined ? undefined : `${reason}; run \`npm run build\` in ${repo}`;
}
