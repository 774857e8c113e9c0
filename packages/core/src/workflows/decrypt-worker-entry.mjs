// Fallback entry of the decrypt worker thread (parallel-decrypt.ts, worker-bundle.ts: used when
// dist/decrypt-worker is missing or stale): loads the TypeScript sources through
// tsx, as packages/cli/bin/envelope.js does for the CLI, then runs decrypt-worker.ts.
import { register } from 'tsx/esm/api';
register();
await import('./decrypt-worker.ts');
