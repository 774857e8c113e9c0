/**
 * Which language the Encrypted Editor uses for a file, from the inner name (the name without
 * `.enc`): `config.json.enc` → JSON, `values.yaml.enc` → YAML, `.env.enc` / `prod.env.enc` →
 * dotenv (shown with Monaco's INI/properties grammar), and which documents must parse before an
 * auto save may write them. Pure: names in, ids out. The ids are Monaco language ids bundled in
 * the webview (extension/webview/monaco.ts registers exactly these).
 */
import { ENC_SUFFIX } from './paths.js';

export type EditorLanguage = 'json' | 'yaml' | 'ini' | 'shell' | 'xml' | 'markdown' | 'javascript' | 'typescript' | 'dockerfile' | 'plaintext';

/** Languages whose documents are checked by parse-check.ts (not written by auto save unless they parse). */
export type StructuredLanguage = 'json' | 'yaml';

const BY_EXTENSION: Record<string, EditorLanguage> = {
  '.json': 'json',
  '.jsonc': 'json',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.env': 'ini',
  '.ini': 'ini',
  '.properties': 'ini',
  '.cfg': 'ini',
  '.conf': 'ini',
  '.toml': 'ini',
  '.sh': 'shell',
  '.bash': 'shell',
  '.xml': 'xml',
  '.md': 'markdown',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.ts': 'typescript',
};

/** The name a `.enc` file decrypts to (`config.json.enc` → `config.json`); other names unchanged. */
export function innerName(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  return base.endsWith(ENC_SUFFIX) && base.length > ENC_SUFFIX.length ? base.slice(0, -ENC_SUFFIX.length) : base;
}

/** The editor language of an encrypted file, from its inner name. */
export function languageFor(fileName: string): EditorLanguage {
  const name = innerName(fileName).toLowerCase();
  if (name === '.env' || name.startsWith('.env.') || name.endsWith('.env')) return 'ini';
  if (name === 'dockerfile' || name.endsWith('.dockerfile')) return 'dockerfile';
  const dot = name.lastIndexOf('.');
  if (dot <= 0 && !name.startsWith('.')) return 'plaintext';
  return BY_EXTENSION[name.slice(dot)] ?? 'plaintext';
}

/** JSON and YAML documents are parse-checked; the others are free text. */
export function structuredLanguage(language: EditorLanguage): StructuredLanguage | undefined {
  return language === 'json' || language === 'yaml' ? language : undefined;
}

/** The title shown for decrypted content: never the plain name of a file on disk. */
export function decryptedTitle(fileName: string): string {
  return `${innerName(fileName)} (decrypted)`;
}
