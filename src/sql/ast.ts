import type { Node } from '@pgsql/types';
import type { Statement } from './statement.ts';

/** The statement's node of the given type, or undefined when it is another kind of statement. */
export function nodeOf<T>(statement: Statement, kind: string): T | undefined {
  return (statement.ast as unknown as Record<string, T>)[kind];
}

/** Unwraps `{ Kind: value }` when the node is of that kind. */
export function unwrap<T>(node: Node | unknown, kind: string): T | undefined {
  return node && typeof node === 'object' ? (node as Record<string, T>)[kind] : undefined;
}

export function listOf(nodes: unknown): Node[] {
  return Array.isArray(nodes) ? (nodes as Node[]) : [];
}

/** Depth-first visit of every `{ Kind: value }` node under `root`. */
export function visit(root: unknown, onNode: (kind: string, value: Record<string, unknown>) => void): void {
  if (Array.isArray(root)) {
    for (const item of root) visit(item, onNode);
    return;
  }
  if (!root || typeof root !== 'object') return;
  for (const [key, value] of Object.entries(root)) {
    if (value && typeof value === 'object') {
      if (!Array.isArray(value) && /^[A-Z]/.test(key)) onNode(key, value as Record<string, unknown>);
      visit(value, onNode);
    }
  }
}
