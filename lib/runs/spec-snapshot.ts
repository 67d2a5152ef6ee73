import type { SpecSnapshot } from "./schemas";

// What a run keeps of the spec it builds: the documents the model reads, the FR ids every plan
// must cover and the acceptance criteria verification checks, each as one sentence.

export interface SpecRow {
  version: number;
  documents: Record<string, string>;
  draft: {
    requirements?: { id: string; title: string }[];
    acceptance?: {
      id: string;
      requirement?: string;
      given: string;
      when: string;
      expected: string;
    }[];
  };
}

/** What a run builds from: the spec's documents and the ids the plan and verification check. */
export function snapshotOf(spec: SpecRow): SpecSnapshot {
  return {
    version: spec.version,
    documents: spec.documents,
    requirements: (spec.draft.requirements ?? []).map((r) => ({ id: r.id, title: r.title })),
    acceptance: (spec.draft.acceptance ?? []).map((a) => ({
      id: a.id,
      // The FR it proves: verification names the tasks that built it.
      ...(a.requirement ? { requirement: a.requirement } : {}),
      text: `Given ${a.given}, when ${a.when}, then ${a.expected}.`,
    })),
  };
}
