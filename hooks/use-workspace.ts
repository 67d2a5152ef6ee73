"use client";

import { useCallback } from "react";
import { apiFetch } from "@/lib/client/fetch-json";
import type { FileEncoding, TreeNode } from "@/lib/files/schemas";
import { useLoaded } from "./use-loaded";

export interface OpenFile {
  path: string;
  content: string;
  encoding: FileEncoding;
  size_bytes: number;
  version: number;
}

const loadTree = () => apiFetch<TreeNode[]>("/api/files");

/** The caller's workspace tree, and the actions on its files; each change re-reads the tree. */
export function useWorkspace() {
  const { data: tree, error, reload } = useLoaded(loadTree);

  const open = useCallback(
    (path: string) => apiFetch<OpenFile>(`/api/files/content?path=${encodeURIComponent(path)}`),
    [],
  );
  const save = useCallback(
    async (file: { path: string; content: string; expectedVersion: number }) => {
      const saved = await apiFetch<{ file: { version: number } }>("/api/files/content", {
        method: "POST",
        json: file,
      });
      await reload();
      return saved.file.version;
    },
    [reload],
  );
  const create = useCallback(
    async (path: string, isDirectory: boolean) => {
      await apiFetch("/api/files", {
        method: "POST",
        json: isDirectory ? { path, isDirectory: true } : { path, content: "" },
      });
      await reload();
    },
    [reload],
  );
  const move = useCallback(
    async (from: string, to: string) => {
      await apiFetch("/api/files", { method: "PATCH", json: { from, to } });
      await reload();
    },
    [reload],
  );
  const remove = useCallback(
    async (path: string) => {
      await apiFetch("/api/files", { method: "DELETE", json: { path } });
      await reload();
    },
    [reload],
  );
  return { tree, error, reload, open, save, create, move, remove };
}
