"use client";

import { type FormEvent, useCallback, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { useLoaded } from "@/hooks/use-loaded";
import { apiFetch, errorMessage, v1Fetch, v1FetchPage } from "@/lib/client/fetch-json";

// Deploy (POST /api/v1/deploy) a project's latest build that succeeded, a chat's newest app or
// a folder of the workspace: on this machine, or on Vercel or Netlify with the token saved in
// Settings.

interface ProjectItem {
  id: string;
  name: string;
  latestRun: { status: string } | null;
}
interface ChatItem {
  id: string;
  title: string;
}
type Source = "project" | "chat" | "workspace";

const labelClass = "block text-sm font-medium text-zinc-300";
const fieldClass =
  "w-full rounded-md border border-zinc-700 bg-zinc-900 px-3 py-2 text-sm text-zinc-100 focus-visible:outline-2 focus-visible:outline-orange-400";

export function DeployForm({ onDeployed }: { onDeployed(): void }) {
  const load = useCallback(async () => {
    const [projects, chats] = await Promise.all([
      v1FetchPage<ProjectItem>("/api/v1/projects?pageSize=100"),
      apiFetch<{ chats: ChatItem[] }>("/api/chats?pageSize=100"),
    ]);
    return {
      projects: projects.items.filter((project) => project.latestRun !== null),
      chats: chats.chats,
    };
  }, []);
  const { data: choices, error: loadError } = useLoaded(load);
  const [error, setError] = useState<string>();
  const [isDeploying, setIsDeploying] = useState(false);
  const [source, setSource] = useState<Source>("project");
  const [provider, setProvider] = useState("local");

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const fields = new FormData(form);
    const value = (name: string) => String(fields.get(name) ?? "").trim();
    const project = choices?.projects.find((p) => p.id === value("project"));
    const chat = choices?.chats.find((c) => c.id === value("chat"));
    const what =
      source === "project"
        ? { body: { project_id: value("project") }, name: project?.name }
        : source === "chat"
          ? { body: { chatId: value("chat") }, name: chat?.title }
          : { body: { workspace: { path: value("folder") } }, name: value("folder") };
    setError(undefined);
    setIsDeploying(true);
    try {
      await v1Fetch("/api/v1/deploy", {
        method: "POST",
        json: {
          ...what.body,
          name: value("name") || what.name || "App",
          provider,
          ...(value("port") && provider === "local" ? { port: Number(value("port")) } : {}),
        },
      });
      form.reset();
      setProvider("local");
      onDeployed();
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setIsDeploying(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-3" aria-label="Deploy an app">
      {error || loadError ? <Alert tone="error">{error ?? loadError}</Alert> : null}
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5">
        <div className="space-y-1.5">
          <label htmlFor="deploy-source" className={labelClass}>
            Deploy
          </label>
          <select
            id="deploy-source"
            name="source"
            value={source}
            onChange={(event) => setSource(event.target.value as Source)}
            className={fieldClass}
          >
            <option value="project">A project's build</option>
            <option value="chat">A chat's app</option>
            <option value="workspace">A workspace folder</option>
          </select>
        </div>
        {source === "project" ? (
          <div className="space-y-1.5">
            <label htmlFor="deploy-project" className={labelClass}>
              Project
            </label>
            <select id="deploy-project" name="project" required className={fieldClass}>
              {choices?.projects.map((project) => (
                <option key={project.id} value={project.id}>
                  {project.name}
                </option>
              ))}
            </select>
          </div>
        ) : source === "chat" ? (
          <div className="space-y-1.5">
            <label htmlFor="deploy-chat" className={labelClass}>
              Chat
            </label>
            <select id="deploy-chat" name="chat" required className={fieldClass}>
              {choices?.chats.map((chat) => (
                <option key={chat.id} value={chat.id}>
                  {chat.title}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <TextField id="deploy-folder" name="folder" label="Folder" placeholder="sites/home" />
        )}
        <TextField id="deploy-name" name="name" label="Name" placeholder="Its name" />
        <div className="space-y-1.5">
          <label htmlFor="deploy-provider" className={labelClass}>
            Where
          </label>
          <select
            id="deploy-provider"
            name="provider"
            value={provider}
            onChange={(event) => setProvider(event.target.value)}
            className={fieldClass}
          >
            <option value="local">This machine</option>
            <option value="vercel">Vercel</option>
            <option value="netlify">Netlify</option>
          </select>
        </div>
        {provider === "local" ? (
          <TextField
            id="deploy-port"
            name="port"
            label="Host port (optional)"
            placeholder="8080"
            inputMode="numeric"
          />
        ) : null}
      </div>
      <p className="text-xs text-zinc-400">
        {source === "project"
          ? choices?.projects.length === 0
            ? "No project has a build yet: build one from its page in Projects."
            : "The project's latest build that succeeded is deployed."
          : source === "chat"
            ? "The chat's newest app is deployed."
            : "The folder's files are deployed as they are (empty: the whole workspace)."}
        {provider === "local" ? "" : " Vercel and Netlify use the token saved in Settings."}
      </p>
      <Button type="submit" disabled={isDeploying}>
        {isDeploying ? "Deploying…" : "Deploy"}
      </Button>
    </form>
  );
}
