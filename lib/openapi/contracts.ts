import * as ai from "@/lib/ai/contracts";
import * as apiKeys from "@/lib/api-keys/contracts";
import * as auth from "@/lib/auth/contracts";
import * as chat from "@/lib/chat/contracts";
import * as deployments from "@/lib/deployments/contracts";
import * as deployProviders from "@/lib/deployments/providers/contracts";
import * as exports from "@/lib/exports/contracts";
import * as files from "@/lib/files/contracts";
import * as github from "@/lib/github/contracts";
import * as health from "@/lib/health/contracts";
import * as projectFiles from "@/lib/project-files/contracts";
import * as projects from "@/lib/projects/contracts";
import type { RouteContract } from "@/lib/route-contract";
import * as runs from "@/lib/runs/contracts";
import * as sandbox from "@/lib/sandbox/contracts";
import * as specs from "@/lib/specs/contracts";
import * as templates from "@/lib/templates/contracts";
import * as workspaceApps from "@/lib/workspace-apps/contracts";
import { openApiContract } from "./openapi-contract";

/** Every endpoint Kiln serves. A test checks that each route file's methods appear here. */
export const allContracts: RouteContract[] = [
  ...Object.values(auth),
  ...Object.values(apiKeys),
  ...Object.values(health),
  ...Object.values(chat),
  ...Object.values(ai),
  ...Object.values(templates),
  ...Object.values(sandbox),
  ...Object.values(projects),
  ...Object.values(specs),
  ...Object.values(github),
  ...Object.values(exports),
  ...Object.values(projectFiles),
  ...Object.values(runs),
  ...Object.values(files),
  ...Object.values(deployments),
  ...Object.values(deployProviders),
  ...Object.values(workspaceApps),
  openApiContract,
];
