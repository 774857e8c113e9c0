/**
 * A process that rewrites a header in place (the same call `envelope reencrypt --rewrap` makes) and
 * SIGKILLs itself right after the step named on its command line — a real crash at that point, for
 * test/cli/rewrap-in-place.test.ts. Usage: rewrap-crash-child.ts <file> <old-header> <new-header> <step>
 */
import { readFileSync } from 'node:fs';
import { rewriteHeaderInPlace } from '@envelope/core/outputs';

const [file, oldPath, newPath, crashAfter] = process.argv.slice(2) as [string, string, string, string];
await rewriteHeaderInPlace(file, readFileSync(oldPath), readFileSync(newPath), {
  onStep: (step) => {
    if (step === crashAfter) process.kill(process.pid, 'SIGKILL');
  },
});
