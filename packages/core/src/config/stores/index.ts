/** Store selection: by file suffix as SOPS does (`.yaml`/`.yml`, `.json`, `.env`, `.ini`, else binary). */
import { ValidationException } from '../../errors.js';
import type { ConfigDocument, ConfigFormat } from '../document.js';
import { BinaryPlainDocument } from './binary.js';
import { DotenvDocument } from './dotenv.js';
import { IniDocument } from './ini.js';
import { JsonDocument } from './json.js';
import { YamlDocument } from './yaml.js';

export function formatForPath(path: string): ConfigFormat {
  const p = path.toLowerCase();
  if (p.endsWith('.yaml') || p.endsWith('.yml')) return 'yaml';
  if (p.endsWith('.json')) return 'json';
  if (p.endsWith('.env')) return 'dotenv';
  if (p.endsWith('.ini')) return 'ini';
  return 'binary';
}

function text(bytes: Uint8Array | string): string {
  if (typeof bytes === 'string') return bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationException('the file is not valid UTF-8 text');
  }
}

/** Parses a plaintext file of `format`. */
export function parsePlain(input: Uint8Array | string, format: ConfigFormat): ConfigDocument {
  if (format === 'binary') return new BinaryPlainDocument(typeof input === 'string' ? new TextEncoder().encode(input) : input);
  return parseStructured(text(input), format);
}

/** Parses an encrypted file of `format` (binary files are SOPS's JSON form). */
export function parseEncrypted(input: Uint8Array | string, format: ConfigFormat): ConfigDocument {
  if (format === 'binary') return BinaryPlainDocument.parseEncrypted(text(input));
  return parseStructured(text(input), format);
}

function parseStructured(t: string, format: Exclude<ConfigFormat, 'binary'>): ConfigDocument {
  switch (format) {
    case 'yaml':
      return YamlDocument.parse(t);
    case 'json':
      return JsonDocument.parse(t);
    case 'dotenv':
      return DotenvDocument.parse(t);
    case 'ini':
      return IniDocument.parse(t);
  }
}
