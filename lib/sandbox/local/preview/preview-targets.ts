import "server-only";
import { processSlot } from "@/lib/process-lifetime";
import type { PreviewTarget } from "./preview-host";
import { checkPreviewHostLabel } from "./preview-token";

// Apps served on a preview origin that are not a sandbox's own preview: deployments. Each is
// keyed by its id, whose preview host label (previewHostLabel) names its origin; the preview
// host handlers look here after the live sandboxes.

const targets = processSlot(
  "preview-targets",
  () => new Map<string, () => PreviewTarget | undefined>(),
);

/** Serves `key`'s origin from whatever `target` returns at the time of each request. */
export function servePreviewTarget(key: string, target: () => PreviewTarget | undefined): void {
  targets.set(key, target);
}

export function stopServingPreviewTarget(key: string): void {
  targets.delete(key);
}

/** The target whose origin carries `label`, if one is served and running. */
export function previewTargetByLabel(label: string): PreviewTarget | undefined {
  for (const [key, target] of targets) {
    if (checkPreviewHostLabel(key, label)) return target();
  }
  return undefined;
}
