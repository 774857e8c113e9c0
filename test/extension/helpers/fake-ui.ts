/**
 * A scripted stand-in for the editor (the `Ui` of extension/src/ui.ts): answers prompts from
 * queues, records every message, and runs progress tasks with a controllable AbortController.
 */
import type { KeyChoice, MementoLike } from '../../../extension/src/key-choices.js';
import type { CommandEnv, InputOptions, ProgressReporter, Ui } from '../../../extension/src/ui.js';
import type { KeyBackend } from '../../../extension/src/key-backend.js';
import { resolveSettings, type EnvelopeSettings } from '../../../extension/src/settings.js';

export class FakeUi implements Ui {
  keyAnswers: (string | undefined | ((choices: readonly KeyChoice[]) => string | undefined))[] = [];
  inputAnswers: (string | undefined)[] = [];
  confirmAnswers: boolean[] = [];
  pickAnswers: (string | undefined)[] = [];
  readonly seenKeyChoices: KeyChoice[][] = [];
  readonly seenInputs: InputOptions[] = [];
  readonly infos: string[] = [];
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  readonly documents: { content: string; language: string }[] = [];
  readonly clipboard: string[] = [];
  readonly progressUpdates: { message?: string; increment?: number }[] = [];
  /** Called with each progress update and the task's AbortController (tests abort from here). */
  onProgress: ((update: { message?: string; increment?: number }, controller: AbortController) => void) | undefined;

  async pickKey(choices: readonly KeyChoice[]): Promise<string | undefined> {
    this.seenKeyChoices.push([...choices]);
    const a = this.keyAnswers.shift();
    return typeof a === 'function' ? a(choices) : a;
  }
  async pickOne(): Promise<string | undefined> {
    return this.pickAnswers.shift();
  }
  async input(opts: InputOptions): Promise<string | undefined> {
    this.seenInputs.push(opts);
    const a = this.inputAnswers.shift();
    if (a !== undefined && opts.validate) {
      const err = opts.validate(a);
      if (err !== undefined) throw new Error(`FakeUi: scripted input "${a}" is invalid: ${err}`);
    }
    return a;
  }
  readonly confirmations: string[] = [];
  async confirm(message: string, _detail?: string, _action?: string): Promise<boolean> {
    this.confirmations.push(message);
    return this.confirmAnswers.shift() ?? false;
  }
  /** Answers to `choose` notifications, in order (undefined: dismissed). */
  chooseAnswers: (string | undefined)[] = [];
  readonly choices: string[] = [];
  async choose(message: string): Promise<string | undefined> {
    this.choices.push(message);
    return this.chooseAnswers.shift();
  }
  info(m: string): void {
    this.infos.push(m);
  }
  warn(m: string): void {
    this.warnings.push(m);
  }
  error(m: string): void {
    this.errors.push(m);
  }
  async withProgress<T>(_title: string, task: (p: ProgressReporter, s: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const reporter: ProgressReporter = {
      report: (u) => {
        this.progressUpdates.push(u);
        this.onProgress?.(u, controller);
      },
    };
    return task(reporter, controller.signal);
  }
  async showDocument(content: string, language: string): Promise<void> {
    this.documents.push({ content, language });
  }
  async copyToClipboard(text: string): Promise<void> {
    this.clipboard.push(text);
  }
}

export class MemoryMemento implements MementoLike {
  private readonly map = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.map.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.map.set(key, value);
  }
}

export function settingsFor(home: string, overrides: Record<string, unknown> = {}): EnvelopeSettings {
  return resolveSettings((n) => ({ keystoreHome: home, region: 'us-east-1', ...overrides })[n], {}, { defaultHome: home });
}

export function commandEnv(ui: FakeUi, backend: KeyBackend, settings: () => EnvelopeSettings): CommandEnv & { changed: string[] } {
  const changed: string[] = [];
  return {
    ui,
    settings,
    backend: async () => backend,
    state: new MemoryMemento(),
    filesChanged: (paths) => changed.push(...paths),
    changed,
  };
}
