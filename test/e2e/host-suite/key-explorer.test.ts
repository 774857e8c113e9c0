/**
 * Extension-host tests of the Envelope Keys view (issue #6): keys listed with aliases, spec,
 * state, rotation and versions; Rotate Now, Disable/Enable and Copy ARN through the real commands.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { OTHER_ALIAS, PRIMARY_ALIAS } from '../fixture.js';
import { extensionApi } from './host-env.js';

type Node = { kind: string; entry?: { aliases: readonly string[]; arn: string; metadata: { KeyState?: string } }; label?: string; value?: string };

export function defineKeyExplorerTests(): void {
  describe('Envelope Keys view in the extension host', () => {
    const find = async (alias: string) => {
      const api = await extensionApi();
      const nodes = (await api.keys.getChildren()) as Node[];
      const node = nodes.find((n) => n.kind === 'key' && n.entry?.aliases.includes(alias));
      assert.ok(node, `key ${alias} listed (got ${nodes.map((n) => n.entry?.aliases.join('|') ?? n.label).join(', ')})`);
      return node;
    };
    const details = async (node: Node) => {
      const api = await extensionApi();
      const rows = (await api.keys.getChildren(node as never)) as Node[];
      return Object.fromEntries(rows.map((r) => [r.label, r.value]));
    };

    it('lists keys with alias, spec, state, rotation and versions', async () => {
      const node = await find(PRIMARY_ALIAS);
      const d = await details(node);
      assert.equal(d['State'], 'Enabled');
      assert.match(d['Spec'] ?? '', /SYMMETRIC_DEFAULT/);
      assert.ok(d['Rotation'] !== undefined);
      assert.match(d['Versions'] ?? '', /^\d+ /);
    });

    it('Rotate Now adds a key version; Disable and Enable change the state; Copy ARN copies it', async () => {
      let node = await find(OTHER_ALIAS);
      const v0 = Number(/^(\d+)/.exec((await details(node))['Versions'] ?? '')?.[1]);
      await vscode.commands.executeCommand('envelope.keys.rotateNow', node);
      node = await find(OTHER_ALIAS);
      assert.equal(Number(/^(\d+)/.exec((await details(node))['Versions'] ?? '')?.[1]), v0 + 1);

      await vscode.commands.executeCommand('envelope.keys.disable', node);
      node = await find(OTHER_ALIAS);
      assert.equal(node.entry?.metadata.KeyState, 'Disabled');
      await vscode.commands.executeCommand('envelope.keys.enable', node);
      node = await find(OTHER_ALIAS);
      assert.equal(node.entry?.metadata.KeyState, 'Enabled');

      await vscode.commands.executeCommand('envelope.keys.copyArn', node);
      assert.equal(await vscode.env.clipboard.readText(), node.entry?.arn);
    });
  });
}
