import "server-only";
import { getEnv } from "@/lib/env";
import { callProvider, trimSlash, unexpectedAnswer } from "../providers/provider-http";
import { eachLimited, type RemoteAdapter, type RemoteState } from "../providers/remote-adapter";

// Netlify's REST API (https://docs.netlify.com/api/get-started/, file digest deploys): a site of
// its own for each Kiln deployment (POST /api/v1/sites), a deploy that lists every file's path
// and SHA-1 (POST /api/v1/sites/:site_id/deploys), whose answer's `required` names the digests
// Netlify does not have yet; each of those files is PUT to /api/v1/deploys/:id/files/:path as
// application/octet-stream, and GET /api/v1/deploys/:id says its state until ready or error.
// Netlify serves the files as they are: a static site, or what the tree already built.

const provider = "netlify" as const;

const endpoint = (path: string) => `${trimSlash(getEnv().NETLIFY_API_URL)}/api/v1${path}`;

interface NetlifySite {
  id: string;
  ssl_url?: string | null;
  url?: string | null;
}
interface NetlifyDeploy {
  id: string;
  state?: string;
  required?: string[];
  ssl_url?: string | null;
  deploy_ssl_url?: string | null;
  error_message?: string | null;
}

/** A file's path in Netlify's URL: each name encoded, "/" kept between them. */
const filePath = (path: string) => path.split("/").map(encodeURIComponent).join("/");

export const netlifyAdapter: RemoteAdapter = {
  async start({ access, name, files, onProgress }) {
    const call = (
      what: string,
      rest: Omit<Parameters<typeof callProvider>[0], "provider" | "token" | "what">,
    ) =>
      callProvider({ provider, token: access.token, what, ...rest }).then((answer) => {
        if (answer.status >= 300) throw unexpectedAnswer({ provider, what }, answer);
        return answer.body;
      });
    const site = (await call("create a site", {
      method: "POST",
      url: endpoint("/sites"),
      json: { name },
    })) as NetlifySite;
    if (!site?.id) throw new Error("Netlify created a site without an id");
    onProgress(`Netlify site ${site.id} created\n`);
    try {
      const deploy = (await call("create the deploy", {
        method: "POST",
        url: endpoint(`/sites/${encodeURIComponent(site.id)}/deploys`),
        json: { files: Object.fromEntries(files.map((file) => [`/${file.path}`, file.sha1])) },
      })) as NetlifyDeploy;
      // `required` lists digests: one file with those bytes is enough for every path of them.
      const required = new Set(deploy.required ?? []);
      const uploads = [...new Map(files.map((file) => [file.sha1, file])).values()].filter((file) =>
        required.has(file.sha1),
      );
      onProgress(`Uploading ${uploads.length} of ${files.length} files to Netlify\n`);
      await eachLimited(uploads, 4, (file) =>
        call(`upload ${file.path}`, {
          method: "PUT",
          url: endpoint(`/deploys/${encodeURIComponent(deploy.id)}/files/${filePath(file.path)}`),
          body: file.bytes,
          headers: { "content-type": "application/octet-stream" },
        }).then(() => undefined),
      );
      return {
        remoteId: deploy.id,
        siteId: site.id,
        url: site.ssl_url || site.url || deploy.ssl_url || "",
      };
    } catch (error) {
      // A site with no deploy is of no use to anyone: it goes again, if Netlify lets it.
      await netlifyAdapter.remove({ access, remoteId: null, siteId: site.id }).catch(() => {});
      throw error;
    }
  },

  async status({ access, remoteId }): Promise<RemoteState> {
    const what = "report the deploy's state";
    const answer = await callProvider({
      provider,
      token: access.token,
      method: "GET",
      url: endpoint(`/deploys/${encodeURIComponent(remoteId)}`),
      what,
    });
    if (answer.status === 404) {
      return { state: "error", message: "Netlify no longer has this deploy" };
    }
    if (answer.status >= 300) throw unexpectedAnswer({ provider, what }, answer);
    const deploy = answer.body as NetlifyDeploy;
    if (deploy.state === "ready") {
      return { state: "ready", url: deploy.ssl_url || undefined };
    }
    if (deploy.state === "error") {
      return {
        state: "error",
        message: `Netlify's deploy failed: ${deploy.error_message || "no reason given"}`,
      };
    }
    return { state: "building" };
  },

  async remove({ access, siteId }) {
    // The site was made for this deployment alone: deleting it takes its deploys with it.
    if (!siteId) return;
    const what = "delete the site";
    const answer = await callProvider({
      provider,
      token: access.token,
      method: "DELETE",
      url: endpoint(`/sites/${encodeURIComponent(siteId)}`),
      what,
    });
    if (answer.status >= 300 && answer.status !== 404) {
      throw unexpectedAnswer({ provider, what }, answer);
    }
  },
};

/** A Netlify site name (its subdomain): lowercase letters, digits and "-", at most 63 long. */
export function netlifyName(name: string, id: string): string {
  const suffix = id.replace(/^dep_/, "").slice(0, 12);
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63 - suffix.length - 1)
    .replace(/-+$/, "");
  return slug ? `${slug}-${suffix}` : `kiln-${suffix}`;
}
