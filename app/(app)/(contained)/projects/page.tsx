import { ProjectsList } from "@/components/projects/projects-list";
import { PageHeader } from "@/components/shell/page-header";
import { projectStatuses } from "@/lib/projects/states";

export const metadata = { title: "Projects · Kiln" };

type SearchParams = Record<string, string | string[] | undefined>;
const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export default async function ProjectsPage({
  searchParams,
}: {
  searchParams: Promise<SearchParams>;
}) {
  const query = await searchParams;
  // What the URL says, where it makes sense; anything else is the list's default.
  const status = one(query.status) ?? "";
  const page = Number(one(query.page));
  const initial = {
    status: (projectStatuses as readonly string[]).includes(status) ? status : "",
    search: (one(query.search) ?? "").slice(0, 200),
    page: Number.isInteger(page) && page >= 1 && page <= 10_000 ? page : 1,
  };
  return (
    <>
      <PageHeader
        title="Projects"
        description="Spec-driven builds: description, clarifying questions, spec, approval, build runs."
      />
      <ProjectsList initial={initial} />
    </>
  );
}
