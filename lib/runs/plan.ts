import { z } from "zod";

// A build run's plan, as the model proposes it and as Kiln accepts it: tasks with their
// dependencies, the paths each may write and the files it must produce, and the order their
// branches merge in. Nothing runs until the plan passes every check here; what fails goes back
// to the model with the problems named (lib/specs/generate.ts). Two tasks that may write the
// same paths and do not depend on each other get an ordering edge (the earlier in the merge
// order first), so they never build on the same files at once.

const slug = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { error: "must be kebab-case (a-z, 0-9, -)" })
  .max(40);
const repoPath = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes("..") && !p.includes("\\"), {
    error: "must be a path inside the repository (no leading /, no .., no backslash)",
  });

export const proposedPlanSchema = z.object({
  tasks: z
    .array(
      z.object({
        slug,
        description: z.string().trim().min(1).max(500),
        instructions: z.string().trim().min(1).max(8000),
        dependencies: z.array(slug).max(30),
        pathScope: z.array(repoPath).min(1).max(20),
        expectedOutputs: z.array(repoPath).max(50),
        requirements: z.array(z.string().regex(/^FR-\d+$/)).max(60),
      }),
    )
    .min(1)
    .max(30),
  mergeOrder: z.array(slug),
});
export type ProposedPlan = z.infer<typeof proposedPlanSchema>;

export interface PlannedTask {
  slug: string;
  /** 1-based, in merge order: task_NNN and feat/task-NNN-slug come from it. */
  sequence: number;
  description: string;
  instructions: string;
  /** The proposed dependencies and the ordering edges Kiln added. */
  dependencies: string[];
  pathScope: string[];
  expectedOutputs: string[];
  requirements: string[];
}

export type PlanCheck =
  | { ok: true; tasks: PlannedTask[]; mergeOrder: string[]; addedEdges: [string, string][] }
  | { ok: false; problems: string[] };

/** The part of a glob before its first wildcard, as path segments. */
function fixedSegments(glob: string): string[] {
  const segments = glob.split("/").filter(Boolean);
  const cut = segments.findIndex((s) => /[*?[{]/.test(s));
  return cut === -1 ? segments : segments.slice(0, cut);
}
const isOpen = (glob: string) => /[*?[{]/.test(glob);

/** Whether two path scopes could name the same file (conservative: when in doubt, yes). */
export function scopesOverlap(a: string, b: string): boolean {
  const [fa, fb] = [fixedSegments(a), fixedSegments(b)];
  const shorter = Math.min(fa.length, fb.length);
  for (let i = 0; i < shorter; i++) if (fa[i] !== fb[i]) return false;
  if (fa.length === fb.length) return isOpen(a) || isOpen(b) || a === b;
  // One fixed part is a prefix of the other: overlap when the shorter one goes on with a wildcard.
  return fa.length < fb.length ? isOpen(a) : isOpen(b);
}

/** Whether a file path lies within a path scope. */
export function inScope(file: string, glob: string): boolean {
  const pattern = glob
    .split("/")
    .map((segment) =>
      segment === "**"
        ? "(?:.*)"
        : segment
            .replace(/[.+^${}()|\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]"),
    )
    .join("/")
    .replace(/\(\?:\.\*\)\//g, "(?:.*/)?");
  return new RegExp(`^${pattern}$`).test(file);
}

/** Every FR of the spec, for the ownership check. */
export function checkPlan(plan: ProposedPlan, requirements: string[]): PlanCheck {
  const problems: string[] = [];
  const bySlug = new Map(plan.tasks.map((t) => [t.slug, t]));
  if (bySlug.size !== plan.tasks.length) {
    const seen = new Set<string>();
    for (const t of plan.tasks) {
      if (seen.has(t.slug)) problems.push(`task ${t.slug} is listed twice`);
      seen.add(t.slug);
    }
  }
  for (const task of plan.tasks) {
    for (const dep of task.dependencies) {
      if (dep === task.slug) problems.push(`task ${task.slug} depends on itself`);
      else if (!bySlug.has(dep))
        problems.push(`task ${task.slug} depends on ${dep}, which is not a task`);
    }
    for (const output of task.expectedOutputs) {
      if (!task.pathScope.some((glob) => inScope(output, glob))) {
        problems.push(
          `task ${task.slug} expects ${output}, outside its pathScope (${task.pathScope.join(", ")})`,
        );
      }
    }
    for (const fr of task.requirements) {
      if (!requirements.includes(fr))
        problems.push(`task ${task.slug} names ${fr}, which the spec does not have`);
    }
  }
  const owned = new Set(plan.tasks.flatMap((t) => t.requirements));
  for (const fr of requirements) {
    if (!owned.has(fr)) problems.push(`${fr} is owned by no task`);
  }
  const cycle = findCycle(
    plan.tasks.map((t) => [t.slug, t.dependencies.filter((d) => bySlug.has(d))]),
  );
  if (cycle) problems.push(`the dependencies form a cycle: ${cycle.join(" → ")}`);

  const order = plan.mergeOrder;
  if (new Set(order).size !== order.length) problems.push("mergeOrder lists a task twice");
  const missing = plan.tasks.filter((t) => !order.includes(t.slug)).map((t) => t.slug);
  if (missing.length) problems.push(`mergeOrder leaves out ${missing.join(", ")}`);
  const unknown = order.filter((s) => !bySlug.has(s));
  if (unknown.length) problems.push(`mergeOrder names ${unknown.join(", ")}, which are not tasks`);
  if (problems.length) return { ok: false, problems };

  const position = new Map(order.map((s, i) => [s, i]));
  for (const task of plan.tasks) {
    for (const dep of task.dependencies) {
      if (position.get(dep)! > position.get(task.slug)!) {
        problems.push(`mergeOrder puts ${task.slug} before ${dep}, which it depends on`);
      }
    }
  }
  if (problems.length) return { ok: false, problems };

  // Ordering edges for overlapping scopes between tasks that do not already follow each other.
  const deps = new Map(plan.tasks.map((t) => [t.slug, new Set(t.dependencies)]));
  const reaches = (from: string, to: string): boolean => {
    const stack = [from];
    const seen = new Set<string>();
    while (stack.length) {
      const at = stack.pop()!;
      if (at === to) return true;
      if (seen.has(at)) continue;
      seen.add(at);
      stack.push(...(deps.get(at) ?? []));
    }
    return false;
  };
  const addedEdges: [string, string][] = [];
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      const [first, later] = [bySlug.get(order[i]!)!, bySlug.get(order[j]!)!];
      const overlap = first.pathScope.some((a) => later.pathScope.some((b) => scopesOverlap(a, b)));
      if (overlap && !reaches(later.slug, first.slug)) {
        deps.get(later.slug)!.add(first.slug);
        addedEdges.push([later.slug, first.slug]);
      }
    }
  }
  return {
    ok: true,
    mergeOrder: order,
    addedEdges,
    tasks: order.map((s, index) => {
      const t = bySlug.get(s)!;
      return {
        slug: t.slug,
        sequence: index + 1,
        description: t.description,
        instructions: t.instructions,
        dependencies: [...deps.get(s)!],
        pathScope: t.pathScope,
        expectedOutputs: t.expectedOutputs,
        requirements: t.requirements,
      };
    }),
  };
}

/** One cycle among the edges, as the path that closes it, or undefined. */
function findCycle(edges: [string, string[]][]): string[] | undefined {
  const graph = new Map(edges);
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}
