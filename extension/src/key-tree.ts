/**
 * The Envelope Keys view (activity bar, issue #6): one node per key of the configured backend,
 * expanding to its aliases, ARN, spec, state, rotation schedule and number of key versions
 * (AWS KMS ListKeys, ListAliases, DescribeKey, GetKeyRotationStatus, ListKeyRotations).
 */
import * as vscode from 'vscode';
import { reportError } from './error-report.js';
import type { KeyBackend } from './key-backend.js';
import { loadKeyInventory, loadRotationInfo, type KeyEntry } from './key-inventory.js';
import { keyContextValue, keyDescription, keyDetailRows } from './key-tree-model.js';

export type KeyTreeNode =
  | { readonly kind: 'key'; readonly entry: KeyEntry }
  | { readonly kind: 'detail'; readonly label: string; readonly value: string }
  | { readonly kind: 'message'; readonly text: string };

export class KeyTreeProvider implements vscode.TreeDataProvider<KeyTreeNode> {
  private readonly emitter = new vscode.EventEmitter<KeyTreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  /** Keys as last listed (tests and commands read it). */
  entries: KeyEntry[] = [];

  constructor(
    private readonly backend: () => Promise<KeyBackend>,
    /** False until the keystore exists or the user acted: the view must not create it by itself. */
    private readonly mayOpen: () => boolean,
  ) {}

  refresh(): void {
    this.emitter.fire(undefined);
  }

  getTreeItem(node: KeyTreeNode): vscode.TreeItem {
    if (node.kind === 'key') {
      const e = node.entry;
      const item = new vscode.TreeItem(e.aliases[0] ?? e.keyId, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = e.arn;
      item.description = keyDescription(e);
      item.tooltip = new vscode.MarkdownString(`**${e.aliases.join(', ') || e.keyId}**\n\n${e.arn}\n\n${e.metadata.Description ?? ''}`);
      item.contextValue = keyContextValue(e);
      const state = e.metadata.KeyState;
      item.iconPath = new vscode.ThemeIcon(state === 'Enabled' ? 'key' : state === 'PendingDeletion' ? 'trash' : 'circle-slash');
      return item;
    }
    if (node.kind === 'detail') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.description = node.value;
      item.tooltip = `${node.label}: ${node.value}`;
      item.contextValue = 'keyDetail';
      return item;
    }
    const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    item.iconPath = new vscode.ThemeIcon('warning');
    return item;
  }

  async getChildren(node?: KeyTreeNode): Promise<KeyTreeNode[]> {
    if (node === undefined) {
      if (!this.mayOpen()) {
        this.entries = [];
        return [];
      }
      try {
        const backend = await this.backend();
        this.entries = await loadKeyInventory(backend.api);
        return this.entries.map((entry) => ({ kind: 'key', entry }));
      } catch (e) {
        const r = reportError(e);
        this.entries = [];
        return r.show ? [{ kind: 'message', text: r.text }] : [];
      }
    }
    if (node.kind !== 'key') return [];
    try {
      const backend = await this.backend();
      const rotation = await loadRotationInfo(backend.api, node.entry.keyId);
      return keyDetailRows(node.entry, rotation).map((r) => ({ kind: 'detail', label: r.label, value: r.value }));
    } catch (e) {
      return [{ kind: 'message', text: reportError(e).text }];
    }
  }
}
