import "server-only";
import { getDb } from "@/lib/db/client";
import { noFile, subtreeCondition } from "./file-rows";
import type { TreeNode } from "./schemas";

interface TreeRow {
  path: string;
  name: string;
  parent_path: string;
  is_directory: boolean;
  size_bytes: string | number;
  version: number;
  updated_at: Date | string;
}

// Directories before files, each group in name order, as file trees show them.
const byKindThenName = (a: TreeNode, b: TreeNode) =>
  a.isDirectory !== b.isDirectory ? (a.isDirectory ? -1 : 1) : a.name < b.name ? -1 : 1;

/**
 * The caller's workspace as seed 000's tree: the top level with everything below it, or with
 * `path`, what lies in that directory (a file path answers that file alone). One query, one pass.
 */
export async function listFileTree(options: {
  userId: string;
  path?: string;
}): Promise<TreeNode[]> {
  const { userId } = options;
  const prefix = options.path ?? "";
  const db = await getDb();
  const rows = await db.query<TreeRow>(
    `select path, name, parent_path, is_directory, size_bytes, version, updated_at
       from workspace_files
      where user_id = $1 ${prefix ? `and ${subtreeCondition("$2")}` : ""}
      order by path`,
    prefix ? [userId, prefix] : [userId],
  );
  if (prefix && rows.length === 0) throw noFile(prefix);

  const nodes = new Map<string, TreeNode>();
  const top: TreeNode[] = [];
  for (const row of rows) {
    const node: TreeNode = {
      name: row.name,
      path: row.path,
      isDirectory: row.is_directory,
      size_bytes: Number(row.size_bytes),
      version: Number(row.version),
      updated_at: new Date(row.updated_at).toISOString(),
      ...(row.is_directory ? { children: [] } : {}),
    };
    nodes.set(row.path, node);
    const parent = nodes.get(row.parent_path);
    if (row.path === prefix) continue;
    if (parent?.children && row.parent_path !== "" && row.parent_path !== prefix) {
      parent.children.push(node);
    } else {
      top.push(node);
    }
  }
  if (prefix && !nodes.get(prefix)?.isDirectory) return [nodes.get(prefix)!];
  for (const node of nodes.values()) node.children?.sort(byKindThenName);
  return top.sort(byKindThenName);
}
