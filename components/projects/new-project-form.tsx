"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { v1Fetch } from "@/lib/client/fetch-json";
import { plainError } from "@/lib/client/v1-event-stream";
import { createProjectBodySchema, type Project } from "@/lib/projects/schemas";

const fieldNames: Record<string, string> = { name: "Name", description: "Description" };

export function NewProjectForm() {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [isSaving, setIsSaving] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (isSaving) return;
    const form = new FormData(event.currentTarget);
    const parsed = createProjectBodySchema.safeParse({
      name: String(form.get("name") ?? ""),
      description: String(form.get("description") ?? ""),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return setError(`${fieldNames[String(issue.path[0])] ?? "The form"} ${issue.message}.`);
    }
    setIsSaving(true);
    setError(undefined);
    try {
      const project = await v1Fetch<Project>("/api/v1/projects", {
        method: "POST",
        json: parsed.data,
      });
      router.push(`/projects/${project.id}`);
    } catch (caught) {
      setError(plainError(caught));
      setIsSaving(false);
    }
  }

  return (
    <form
      onSubmit={onSubmit}
      onChange={() => setError(undefined)}
      className="max-w-2xl space-y-5"
      noValidate
    >
      <TextField
        id="project-name"
        name="name"
        label="Name"
        placeholder="e.g. Team task board"
        maxLength={200}
        required
        autoFocus
      />
      <div className="space-y-1.5">
        <label htmlFor="project-description" className="block text-sm font-medium text-zinc-300">
          Description
        </label>
        <textarea
          id="project-description"
          name="description"
          rows={8}
          maxLength={20_000}
          placeholder="What the app is for, who uses it, what it must store and do. The more you say, the fewer questions Kiln asks."
          className="block w-full rounded-md border border-zinc-700 bg-zinc-900 px-3 py-2 text-sm text-zinc-100 placeholder:text-zinc-400 focus:border-orange-400 focus:outline-none focus:ring-1 focus:ring-orange-400"
        />
      </div>
      {error ? <Alert tone="error">{error}</Alert> : null}
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={isSaving}>
          {isSaving ? "Creating…" : "Create project"}
        </Button>
        <Link href="/projects" className="text-sm text-zinc-400 hover:text-zinc-100">
          Cancel
        </Link>
      </div>
    </form>
  );
}
