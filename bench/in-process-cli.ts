/** Runs the `envelope` CLI in this process (setup steps of the serve benchmarks); stdout, or throws with stderr. */
import { Readable, Writable } from 'node:stream';
import { run } from '../packages/cli/src/run.js';

export async function cli(home: string, argv: string[]): Promise<string> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const w = (arr: Buffer[]) => new Writable({ write: (c: Buffer, _e, cb) => (arr.push(Buffer.from(c)), cb()) });
  const code = await run(argv, { stdout: w(out), stderr: w(err), stdin: Readable.from([]), env: { ENVELOPE_HOME: home }, cwd: home });
  if (code !== 0) throw new Error(`envelope ${argv.join(' ')}: ${Buffer.concat(err).toString()}`);
  return Buffer.concat(out).toString();
}
