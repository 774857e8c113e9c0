#!/usr/bin/env node
// The `envelope` binary: loads the TypeScript sources through tsx, then hands over to src/main.ts.
import { register } from 'tsx/esm/api';
register();
await import('../src/main.ts');
