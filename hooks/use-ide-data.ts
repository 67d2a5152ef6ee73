"use client";

import { useCallback, useEffect, useState } from "react";
import type { ModelInfo, ModelsResponse } from "@/lib/ai/schemas";
import type { ChatList, ChatSummary } from "@/lib/chat/schemas";
import { apiFetch, errorMessage } from "@/lib/client/fetch-json";
import type { MessageView } from "@/lib/client/ide-types";
import type { TemplateListItem } from "@/lib/templates/schemas";

/** What the IDE lists: models, templates and chat history, each re-readable. */
export function useIdeData() {
  const [models, setModels] = useState<ModelInfo[]>();
  const [problems, setProblems] = useState<string[]>([]);
  // A failed read of the model list (Kiln unreachable, a 5xx) is not "no model configured".
  const [modelsError, setModelsError] = useState<string>();
  const [templates, setTemplates] = useState<TemplateListItem[]>([]);
  const [chats, setChats] = useState<ChatSummary[]>();

  const reloadModels = useCallback(async () => {
    const data = await apiFetch<ModelsResponse>("/api/models");
    setModelsError(undefined);
    setModels(data.models);
    setProblems(
      data.providers.filter((p) => p.status === "error").map((p) => `${p.provider}: ${p.message}`),
    );
  }, []);

  const reloadChats = useCallback(async () => {
    const data = await apiFetch<ChatList>("/api/chats?pageSize=100");
    setChats(data.chats);
  }, []);

  useEffect(() => {
    void reloadModels().catch((error) => setModelsError(errorMessage(error)));
    void reloadChats().catch(() => setChats([]));
    void apiFetch<{ templates: TemplateListItem[] }>("/api/templates")
      .then((data) => setTemplates(data.templates))
      .catch(() => setTemplates([]));
  }, [reloadModels, reloadChats]);

  const loadChat = useCallback(
    (id: string) => apiFetch<{ chat: ChatSummary; messages: MessageView[] }>(`/api/chats/${id}`),
    [],
  );
  const deleteChat = useCallback(
    async (id: string) => {
      // keepalive: a delete whose Undo ran out as the page closes still reaches Kiln.
      await apiFetch(`/api/chats/${id}`, { method: "DELETE", keepalive: true }).finally(
        () => void reloadChats().catch(() => {}),
      );
    },
    [reloadChats],
  );
  const renameChat = useCallback(async (id: string, title: string) => {
    const chat = await apiFetch<ChatSummary>(`/api/chats/${id}`, {
      method: "PATCH",
      json: { title },
    }).catch((error) => {
      throw new Error(errorMessage(error));
    });
    setChats((all) => all?.map((c) => (c.id === id ? { ...c, title: chat.title } : c)));
  }, []);

  const retryModels = useCallback(() => {
    setModelsError(undefined);
    void reloadModels().catch((error) => setModelsError(errorMessage(error)));
  }, [reloadModels]);

  return {
    models,
    modelsError,
    retryModels,
    problems,
    templates,
    chats,
    reloadModels,
    reloadChats,
    loadChat,
    deleteChat,
    renameChat,
  };
}
