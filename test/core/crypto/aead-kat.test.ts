/**
 * Known-answer tests of AES-256-GCM for both backends: the GCM specification's test cases 13–16
 * (McGrew & Viega, "The Galois/Counter Mode of Operation", 256-bit keys, 96-bit IVs), run through
 * the same suite for node:crypto and @noble/ciphers, plus tamper rejection.
 */
import { strict as assert } from 'node:assert';
import { nobleAead, nodeAead, type AeadBackend } from '@envelope/core';
import { fromHex, hex } from '../stream/helpers.js';

const K15 = 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308';
const IV15 = 'cafebabefacedbaddecaf888';
const P15 = 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const C15 = '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad';

const vectors = [
  { name: 'test case 13', key: '00'.repeat(32), iv: '00'.repeat(12), aad: '', pt: '', ct: '', tag: '530f8afbc74536b9a963b4f1c4cb738b' },
  { name: 'test case 14', key: '00'.repeat(32), iv: '00'.repeat(12), aad: '', pt: '00'.repeat(16), ct: 'cea7403d4d606b6e074ec5d3baf39d18', tag: 'd0d1c8a799996bf0265b98b5d48ab919' },
  { name: 'test case 15', key: K15, iv: IV15, aad: '', pt: P15, ct: C15, tag: 'b094dac5d93471bdec1a502270e3cc6c' },
  {
    name: 'test case 16', key: K15, iv: IV15, aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    pt: P15.slice(0, 120), ct: C15.slice(0, 120), tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];

function suite(backend: AeadBackend) {
  describe(`AES-256-GCM known answers (${backend.name} backend)`, () => {
    for (const v of vectors) {
      it(`${v.name}: seals to the published ciphertext and tag`, () => {
        const key = backend.importKey(fromHex(v.key));
        const pt = fromHex(v.pt);
        // Feed the plaintext in two pieces to exercise piecewise input.
        const pieces = backend.seal(key, fromHex(v.iv), fromHex(v.aad), [pt.subarray(0, 7), pt.subarray(7)]);
        const all = Buffer.concat(pieces.map((p) => Buffer.from(p)));
        assert.equal(hex(all.subarray(0, all.length - 16)), v.ct);
        assert.equal(hex(all.subarray(all.length - 16)), v.tag);
      });
      it(`${v.name}: opens the published ciphertext and rejects a flipped tag or AAD`, () => {
        const key = backend.importKey(fromHex(v.key));
        const out = backend.open(key, fromHex(v.iv), fromHex(v.aad), [fromHex(v.ct)], fromHex(v.tag));
        assert.ok(out);
        assert.equal(Buffer.concat(out.map((p) => Buffer.from(p))).toString('hex'), v.pt);
        const badTag = fromHex(v.tag);
        badTag[15]! ^= 1;
        assert.equal(backend.open(key, fromHex(v.iv), fromHex(v.aad), [fromHex(v.ct)], badTag), undefined);
        assert.equal(backend.open(key, fromHex(v.iv), fromHex(v.aad + '00'), [fromHex(v.ct)], fromHex(v.tag)), undefined);
      });
    }
  });
}

suite(nodeAead);
suite(nobleAead);
