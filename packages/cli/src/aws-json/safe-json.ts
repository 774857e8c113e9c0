/**
 * Parses an AWS JSON 1.1 request body into null-prototype objects. Keys that name or reach an
 * object's prototype (`__proto__`, `constructor`, `prototype`) are refused with
 * ValidationException: no KMS shape has such a member, and letting one through would let a body
 * set the prototype of a request object when it is copied (the parameters then vanish from the
 * request's own properties, and from its audit event).
 */
import { ValidationException } from '@envelope/core/errors';
import { describeJsonSyntaxError } from '../util/json-error.js';
import { ShapeError } from './shapes.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

/** JSON.parse, with every object null-prototype and forbidden keys refused. Syntax errors are ShapeErrors naming the position only. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text, function revive(key: string, value: unknown) {
      if (FORBIDDEN_KEYS.has(key)) throw new ValidationException(`The request member name '${key}' is not allowed`);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        return Object.assign(Object.create(null) as Record<string, unknown>, value);
      }
      return value;
    });
  } catch (e) {
    if (e instanceof ValidationException) throw e;
    throw new ShapeError(`Malformed JSON request body: ${describeJsonSyntaxError(e)}`);
  }
}
