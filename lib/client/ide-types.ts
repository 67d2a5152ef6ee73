import type { ChatMessage } from "@/lib/chat/schemas";
import type {
  InterpreterRunResult,
  RunFragmentResult,
  WebRunResult,
} from "@/lib/sandbox/result-schemas";

// Shapes the IDE's browser code works with. Those the API sends whole come from the API's own
// schemas (lib/<domain>/schemas.ts); these are the ones that only the browser has.

export interface FragmentFileView {
  file_path: string;
  code: string;
}

/** A fragment, possibly still being written (every field may be missing while it streams). */
export interface FragmentView {
  commentary?: string;
  template?: string;
  title?: string;
  description?: string;
  additional_dependencies?: string[];
  has_additional_dependencies?: boolean;
  install_dependencies_command?: string;
  port?: number | null;
  file_path?: string;
  code?: string;
  files?: FragmentFileView[];
}

/** A chat message as the IDE shows it: one being written has no stored time yet. */
export type MessageView = Omit<ChatMessage, "fragment" | "status" | "createdAt"> & {
  fragment: FragmentView | null;
  status: ChatMessage["status"] | "streaming";
};

/** A run's result (lib/sandbox/result-schemas.ts), either shape; the other's fields are absent. */
export type RunResultView = RunFragmentResult & Partial<InterpreterRunResult & WebRunResult>;

export interface SandboxRunState {
  status: "idle" | "running" | "done" | "failed";
  log: string[];
  result?: RunResultView;
  error?: string;
  /** The reason of a refusal, such as "sandbox_limit". */
  errorCode?: string;
  sbxId?: string;
  /** The version of the fragment the run is of. */
  fragment?: FragmentView;
  /** The sandbox stopped or expired since: a preview of it shows nothing any more. */
  isSandboxGone?: boolean;
}
