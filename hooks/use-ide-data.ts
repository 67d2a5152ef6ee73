"use client";

import { useCallback, useEffect, useState } from "react";
import type { ModelInfo, ModelsResponse } from "@/lib/ai/schemas";
import type { ChatList, ChatSummary } from "@/lib/chat/schemas";
import { apiFetch } from "@/lib/client/fetch-json";
import type { MessageView } from "@/lib/client/ide-types";
import type { PublicTemplate } from "@/lib/templates/schemas";

/** What the IDE lists: models, templates and chat history, each re-readable. */
export function useIdeData() {
  const [models, setModels] = useState<ModelInfo[]>();
  const [problems, setProblems] = useState<string[]>([]);
  const [templates, setTemplates] = useState<PublicTemplate[]>([]);
  const [chats, setChats] = useState<ChatSummary[]>();

  const reloadModels = useCallback(async () => {
    const data = await apiFetch<ModelsResponse>("/api/models");
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
    void reloadModels().catch(() => setModels([]));
    void reloadChats().catch(() => setChats([]));
    void apiFetch<{ templates: PublicTemplate[] }>("/api/templates")
      .then((data) => setTemplates(data.templates))
      .catch(() => setTemplates([]));
  }, [reloadModels, reloadChats]);

  const loadChat = useCallback(
    (id: string) =>
      apiFetch<{ messages: MessageView[] }>(`/api/chats/${id}`).then((d) => d.messages),
    [],
  );
  const deleteChat = useCallback(
    async (id: string) => {
      await apiFetch(`/api/chats/${id}`, { method: "DELETE" });
      await reloadChats();
    },
    [reloadChats],
  );

  return { models, problems, templates, chats, reloadModels, reloadChats, loadChat, deleteChat };
}
