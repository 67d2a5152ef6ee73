import "server-only";
import { appVersion } from "@/lib/env";
import { probeModel } from "./model-probe";
import type { ComponentStatus, ProbeResult } from "./probe-kit";
import { probeDatabase, probeQueue, probeWorkers } from "./probes";
import { probeRedis } from "./redis-probe";
import { probeSandbox } from "./sandbox-probe";

export type OverallStatus = "healthy" | "degraded" | "unhealthy";

export interface HealthReport {
  status: OverallStatus;
  version: string;
  timestamp: string;
  components: Record<string, ComponentStatus>;
  checks: Record<string, ProbeResult>;
}

/**
 * The database decides between up and down: without it Kiln can do nothing. Any other
 * configured component that fails makes Kiln degraded; unconfigured ones are not failures.
 */
export function rollUp(components: Record<string, ComponentStatus>): OverallStatus {
  if (components.database !== "healthy") return "unhealthy";
  return Object.values(components).includes("unhealthy") ? "degraded" : "healthy";
}

export async function checkHealth(): Promise<HealthReport> {
  const database = await probeDatabase();
  const unreachable: ProbeResult = { status: "unhealthy", message: "the database is down" };
  const [redis, queue, workers, sandbox, model] = await Promise.all([
    probeRedis(),
    database.status === "healthy" ? probeQueue() : unreachable,
    database.status === "healthy" ? probeWorkers() : unreachable,
    probeSandbox(),
    probeModel(),
  ]);
  const checks = { database, redis, queue, workers, sandbox, model };
  const components = Object.fromEntries(Object.entries(checks).map(([k, v]) => [k, v.status]));
  return {
    status: rollUp(components),
    version: appVersion,
    timestamp: new Date().toISOString(),
    components,
    checks,
  };
}

/** 503 only when Kiln is down, so load balancers keep sending traffic to a degraded instance. */
export function healthHttpStatus(report: HealthReport): number {
  return report.status === "unhealthy" ? 503 : 200;
}
