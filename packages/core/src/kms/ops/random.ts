/** GenerateRandom (AWS KMS API Reference): 1 to 1024 random bytes from the injected source. */
import { ValidationException } from '../../errors.js';
import { MAX_DATA_KEY_BYTES } from '../constants.js';
import type { Operation } from '../operation.js';
import type { GenerateRandomRequest, GenerateRandomResponse } from '../types.js';
import { optionalInt } from './validate.js';

export const generateRandomOp: Operation<GenerateRandomRequest, GenerateRandomResponse> = {
  name: 'GenerateRandom',
  mutates: false,
  validate(req) {
    if (optionalInt(req.NumberOfBytes, 'NumberOfBytes', 1, MAX_DATA_KEY_BYTES) === undefined) {
      throw new ValidationException('NumberOfBytes is required (1 to 1024)');
    }
  },
  act: (ctx, req) => ({ Plaintext: ctx.random(req.NumberOfBytes) }),
};
