/**
 * The README's five-minute tour as data (section "The main job", up to the next heading): its
 * shell blocks, and the TypeScript files marked `<!-- tour-file: name -->`. Used by tour.test.ts
 * (the whole tour) and install.test.ts (its first block, against the packed packages).
 */
import { strict as assert } from 'node:assert';

export interface Tour {
  readonly shell: string;
  readonly files: { name: string; text: string }[];
}

/** Extracts the shell blocks and tour files of the README's "The main job" section (up to the next heading). */
export function extractTour(readme: string): Tour {
  const start = readme.indexOf('\n## The main job');
  assert.ok(start >= 0, 'README has a "## The main job" section');
  const next = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, next < 0 ? undefined : next);
  const shell: string[] = [];
  const files: { name: string; text: string }[] = [];
  const re = /(?:<!-- tour-file: (\S+) -->\n)?```(\w+)\n([\s\S]*?)```/g;
  for (let m = re.exec(section); m !== null; m = re.exec(section)) {
    const [, file, lang, body] = m as unknown as [string, string | undefined, string, string];
    if (file !== undefined) files.push({ name: file, text: body });
    else if (lang === 'sh') shell.push(body);
  }
  return { shell: shell.join('\n'), files };
}

/** The tour's first shell block: create a key, encrypt, inspect, decrypt (no server, no TypeScript). */
export function firstBlock(readme: string): string {
  const section = readme.slice(readme.indexOf('\n## The main job'));
  const m = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'the tour has a shell block');
  return m[1]!;
}
