/** systemRandom (packages/core/src/defaults.ts): small requests come from a pool; no byte is handed out twice. */
import { strict as assert } from 'node:assert';
import { systemRandom } from '../../../packages/core/src/defaults.js';

describe('systemRandom', () => {
  it('returns the requested lengths, pooled or not, as independent copies', () => {
    for (const n of [0, 1, 12, 16, 32, 64, 65, 4096, 10_000]) assert.equal(systemRandom(n).length, n);
    const a = systemRandom(16);
    const copy = Uint8Array.from(a);
    systemRandom(16);
    assert.deepEqual(a, copy, 'a later call does not change bytes already returned');
  });

  it('never repeats a value across many calls and pool refills, and is not all zeros', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const hex = Buffer.from(systemRandom(16)).toString('hex');
      assert.ok(!seen.has(hex), 'a 16-byte value repeated');
      seen.add(hex);
    }
    // 5000 × 16 bytes: about 20 refills; bytes look uniform (each value 0-255 appears).
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 2000; i++) for (const b of systemRandom(32)) counts[b]!++;
    assert.ok(counts.every((c) => c > 100), 'some byte value is missing or rare');
  });
});
