// A `Link` header for a page of a GitHub list served by Kiln: the neighbouring pages at Kiln's
// own path, with the same query, so a client pages through Kiln as it would through GitHub.

export function pageLinks(options: {
  path: string;
  query: Record<string, string | number | undefined>;
  page: number;
  hasNext: boolean;
}): string | undefined {
  const link = (page: number, rel: string) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...options.query, page })) {
      if (value !== undefined) params.set(key, String(value));
    }
    return `<${options.path}?${params}>; rel="${rel}"`;
  };
  const links = [
    ...(options.hasNext ? [link(options.page + 1, "next")] : []),
    ...(options.page > 1 ? [link(options.page - 1, "prev")] : []),
  ];
  return links.length ? links.join(", ") : undefined;
}
