/**
 * The one process edge of the `envelope` CLI (STYLE.md §5): reads process.argv/env, wires
 * SIGINT/SIGTERM to an abort signal (temp outputs are removed, `serve` shuts down gracefully),
 * and turns run()'s result into the exit code.
 */
import { run } from './run.js';

const controller = new AbortController();
let signals = 0;
const onSignal = (sig: NodeJS.Signals) => {
  signals += 1;
  if (signals > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
  controller.abort(new Error(`interrupted by ${sig}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // A closed pipe (`… -o - | head`) or a full disk (`… -o - > /dev/full`): one line `Name: message`, exit 1, no stack.
  const message = e.message.startsWith(`${e.code}: `) ? e.message.slice(`${e.code}: `.length) : e.message;
  process.stderr.write(`${e.code ?? e.name}: ${message} (writing stdout)\n`, () => process.exit(1));
});

// The AWS SDK (loaded only for a remote KMS) warns on every run under Node < 22 about its own
// future releases; this CLI supports Node 20, so the warning is noise to its users.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  stderrIsTTY: process.stderr.isTTY === true,
  stdoutIsTTY: process.stdout.isTTY === true,
  signal: controller.signal,
  pid: process.pid,
});
process.exitCode = code;
// Give stdout/stderr a chance to flush before exiting; exit explicitly so no stray handle keeps us alive.
process.stdout.write('', () => process.exit(process.exitCode));
