/**
 * Entry point VS Code loads in the real extension host (extensionTestsPath): runs the mocha suites
 * below and rejects when any test fails (the host then reports exit code 1 to the runner).
 */
import Mocha from 'mocha';
import { defineDesignMeasurementTests } from './design-measurement.test.js';
import { defineEditorTests } from './editor.test.js';
import { defineFileCommandTests } from './file-commands.test.js';
import { defineKeyExplorerTests } from './key-explorer.test.js';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'extension-host', mocha);
  defineFileCommandTests();
  defineEditorTests();
  defineDesignMeasurementTests();
  defineKeyExplorerTests();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
  });
}
