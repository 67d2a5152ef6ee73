import type { NextConfig } from "next";

// The benchmarks build a copy of their own (`KILN_BENCH_BUILD=1 next build`, into .next-bench)
// that adds their baseline route, app/api/bench/bare/route.bench.ts; a normal build and every
// install leave that file out. The server reads the same flag to find the copy. A build-time
// switch, so it is read here and not in lib/env.ts.
const isBenchBuild = process.env.KILN_BENCH_BUILD === "1";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  distDir: isBenchBuild ? ".next-bench" : ".next",
  pageExtensions: ["tsx", "ts", "jsx", "js", ...(isBenchBuild ? ["bench.ts"] : [])],
  // Streams (chat, events) must flush as they are written, and compressing them costs CPU on
  // the path to every byte. Put compression in the reverse proxy if you want it.
  compress: false,
  reactStrictMode: true,
  // A preview's root is /api/sandbox/<id>/preview/<token>/ with its slash: relative URLs in the
  // app resolve against it. Next would otherwise redirect it to the slash-less form.
  skipTrailingSlashRedirect: true,
  serverExternalPackages: ["@electric-sql/pglite", "pg"],
  // `npm test` runs tsc over the whole tree before it builds; checking again here would only
  // double the build time (and fail a start-up on a test file's types).
  typescript: { ignoreBuildErrors: true },
  // /v1/* is an alias of /api/v1/* for clients written against the orchestrator API.
  async rewrites() {
    return [{ source: "/v1/:path*", destination: "/api/v1/:path*" }];
  },
};

export default nextConfig;
