import "server-only";
import { KilnError } from "@/lib/errors";
import { enqueue } from "@/lib/queue/queue";
import type { JobHandler } from "@/lib/queue/workers";
import { generateChecked } from "@/lib/specs/generate";
import { taskBranch } from "./event-types";
import { checkPlan, type PlannedTask, proposedPlanSchema } from "./plan";
import { decomposePrompt, decomposeSystem } from "./prompts";
import { queueReadyTasks } from "./queue-ready-tasks";
import { withRun } from "./run-job";

// run.decompose: the model proposes a plan for the run's spec; Kiln checks it (plan.ts) and
// sends back what is wrong, up to three answers in all, then fails the run with the reason. An
// accepted plan becomes the run's tasks_json and one run_tasks row per task; the tasks with no
// dependencies are queued.

export const planAttempts = 3;

export const decomposeRun: JobHandler = (job, context) =>
  withRun(job, context, async (tools) => {
    const { db, run } = tools;
    if (run.status !== "decomposing" || !run.spec_snapshot) return;
    const spec = run.spec_snapshot;
    const [project] = await db.query<{ name: string }>("select name from projects where id = $1", [
      run.project_id,
    ]);
    await tools.emit("decompose-started", "DECOMPOSE_STARTED", { specVersion: run.spec_version });
    const plan = await context.step("plan", async () => {
      let reported = Promise.resolve();
      try {
        const accepted = await generateChecked({
          ...(await tools.modelFor("decompose")),
          userId: run.user_id,
          purpose: "decompose",
          system: decomposeSystem,
          prompt: decomposePrompt(project ?? { name: "" }, spec),
          schema: proposedPlanSchema,
          attempts: planAttempts,
          signal: tools.signal,
          check: (proposed) => {
            const checked = checkPlan(
              proposed,
              spec.requirements.map((r) => r.id),
            );
            return checked.ok
              ? { ok: true, value: checked }
              : { ok: false, problems: checked.problems };
          },
          onProgress: (progress) => {
            if (progress.step !== "rejected") return;
            reported = reported.then(() =>
              tools.emit(`plan-rejected-${progress.attempt}`, "PLAN_REJECTED", {
                attempt: progress.attempt,
                problems: progress.problems,
              }),
            );
          },
        });
        await reported;
        return { ...accepted, ok: true as const };
      } catch (error) {
        await reported;
        if (error instanceof KilnError && error.reason === "invalid_output") {
          return { ok: false as const, reason: error.message };
        }
        throw error;
      }
    });
    if (!plan.ok) return tools.fail(`No usable plan: ${plan.reason}`);
    tools.checkpoint();

    const queued = await context.step("store", () =>
      db.transaction(async (tx) => {
        const [moved] = await tx.query(
          `update runs set tasks_json = $2, status = 'executing', updated_at = now()
            where id = $1 and status = 'decomposing'
            returning id`,
          [run.id, JSON.stringify({ tasks: plan.tasks, mergeOrder: plan.mergeOrder })],
        );
        if (!moved) return [];
        for (const task of plan.tasks) {
          await tx.query(
            `insert into run_tasks (id, run_id, user_id, sequence, slug, definition, branch_name)
             values ($1, $2, $3, $4, $5, $6, $7)
             on conflict (run_id, slug) do nothing`,
            [
              `task_${run.id.slice(4)}${String(task.sequence).padStart(3, "0")}`,
              run.id,
              run.user_id,
              task.sequence,
              task.slug,
              JSON.stringify(definitionOf(task)),
              taskBranch(task),
            ],
          );
        }
        return queueReadyTasks(tx, run.id, (payload) =>
          enqueue(tx, {
            kind: "run.task",
            userId: run.user_id,
            payload,
            dedupeKey: String(payload.taskId),
          }),
        );
      }),
    );
    await tools.emit("plan-accepted", "PLAN_ACCEPTED", {
      tasks: plan.tasks.map((t) => ({
        slug: t.slug,
        sequence: t.sequence,
        dependencies: t.dependencies,
      })),
      mergeOrder: plan.mergeOrder,
      addedEdges: plan.addedEdges,
    });
    for (const task of queued) {
      await tools.emit(`queued-${task.id}`, "TASK_QUEUED", { slug: task.slug }, task.id);
    }
  });

/** The task as stored and served: seed 001's definition, with the id task-NNN. */
export function definitionOf(task: PlannedTask) {
  return {
    id: `task-${String(task.sequence).padStart(3, "0")}`,
    slug: task.slug,
    description: task.description,
    instructions: task.instructions,
    dependencies: task.dependencies,
    pathScope: task.pathScope,
    expectedOutputs: task.expectedOutputs,
    requirements: task.requirements,
  };
}
