"use client";

import { type FormEvent, useCallback, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { useLoaded } from "@/hooks/use-loaded";
import { errorMessage, v1Fetch, v1FetchPage } from "@/lib/client/fetch-json";

// Deploy a project's latest build that succeeded (POST /api/v1/deploy): on this machine, or on
// Vercel or Netlify with the token saved in Settings.

interface ProjectItem {
  id: string;
  name: string;
  latestRun: { status: string } | null;
}

const fieldClass =
  "w-full rounded-md border border-zinc-700 bg-zinc-900 px-3 py-2 text-sm text-zinc-100 focus-visible:outline-2 focus-visible:outline-orange-400";

export function DeployForm({ onDeployed }: { onDeployed(): void }) {
  const load = useCallback(
    async () =>
      (await v1FetchPage<ProjectItem>("/api/v1/projects?pageSize=100")).items.filter(
        (project) => project.latestRun !== null,
      ),
    [],
  );
  const { data: projects, error: loadError } = useLoaded(load);
  const [error, setError] = useState<string>();
  const [isDeploying, setIsDeploying] = useState(false);
  const [provider, setProvider] = useState("local");

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const projectId = String(data.get("project") ?? "");
    const project = projects?.find((p) => p.id === projectId);
    const port = String(data.get("port") ?? "").trim();
    setError(undefined);
    setIsDeploying(true);
    try {
      await v1Fetch("/api/v1/deploy", {
        method: "POST",
        json: {
          project_id: projectId,
          name: String(data.get("name") ?? "").trim() || project?.name || "App",
          provider,
          ...(port && provider === "local" ? { port: Number(port) } : {}),
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

  if (projects?.length === 0) {
    return (
      <p className="text-sm text-zinc-400">
        A project deploys once one of its builds has succeeded: build one from its page in Projects.
      </p>
    );
  }
  return (
    <form onSubmit={onSubmit} className="space-y-3" aria-label="Deploy a build">
      {error || loadError ? <Alert tone="error">{error ?? loadError}</Alert> : null}
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <label className="block space-y-1.5">
          <span className="block text-sm font-medium text-zinc-300">Project</span>
          <select name="project" required className={fieldClass}>
            {projects?.map((project) => (
              <option key={project.id} value={project.id}>
                {project.name}
              </option>
            ))}
          </select>
        </label>
        <TextField id="deploy-name" name="name" label="Name" placeholder="Project's name" />
        <label className="block space-y-1.5">
          <span className="block text-sm font-medium text-zinc-300">Where</span>
          <select
            name="provider"
            value={provider}
            onChange={(event) => setProvider(event.target.value)}
            className={fieldClass}
          >
            <option value="local">This machine</option>
            <option value="vercel">Vercel</option>
            <option value="netlify">Netlify</option>
          </select>
        </label>
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
        The project's latest build that succeeded is deployed.
        {provider === "local" ? "" : " Vercel and Netlify use the token saved in Settings."}
      </p>
      <Button type="submit" disabled={isDeploying || !projects}>
        {isDeploying ? "Deploying…" : "Deploy"}
      </Button>
    </form>
  );
}
