// Shapes the IDE's browser code works with, as the API sends them.

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

export interface ChatSummaryView {
  id: string;
  title: string;
  template: string | null;
  model: string | null;
  updatedAt: string;
}

export interface MessageView {
  id: string;
  role: "user" | "assistant";
  content: string;
  fragment: FragmentView | null;
  status: "complete" | "failed" | "streaming";
  error: string | null;
}

export interface ModelView {
  id: string;
  name: string;
  provider: string;
  providerName: string;
  keySource: string;
}

export interface TemplateView {
  id: string;
  name: string;
}

/** Every file of a fragment, the entry first. */
export function filesOf(fragment: FragmentView): FragmentFileView[] {
  const files: FragmentFileView[] = [];
  if (fragment.file_path) files.push({ file_path: fragment.file_path, code: fragment.code ?? "" });
  for (const file of fragment.files ?? []) {
    if (file?.file_path && file.file_path !== fragment.file_path) {
      files.push({ file_path: file.file_path, code: file.code ?? "" });
    }
  }
  return files;
}
