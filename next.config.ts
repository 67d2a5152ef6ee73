import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
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
