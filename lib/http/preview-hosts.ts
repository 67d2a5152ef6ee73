// Which host names are sandbox previews. Each preview is served at the root of its own origin,
// `<token>.<preview domain>` (`<token>.preview.localhost` by default: browsers resolve every
// `*.localhost` name to loopback; KILN_PREVIEW_DOMAIN names a wildcard domain in production).
// server.ts sends every request for such a host to the preview proxy before Next sees it, and
// the host gate never counts one as Kiln's own (lib/http/kiln-hosts.ts): a preview's page can
// reach neither Kiln's routes nor, as a foreign origin, its cookie-authenticated API.
// No "server-only" and no "@/" imports: server.ts loads this file under plain Node.

export const defaultPreviewDomain = "preview.localhost";

/** A host-name label as the token is written: lower case, so that browsers keep it as it is. */
const tokenLabel = /^[a-z0-9-]{1,63}$/;

/** The preview domain in the form hosts are compared in: lower case, no dots at either end. */
export function normalizePreviewDomain(domain: string | undefined): string {
  const value = (domain ?? "")
    .trim()
    .toLowerCase()
    .replace(/^\.+|\.+$/g, "");
  return value || defaultPreviewDomain;
}

/** True for the preview domain itself and every name under it. */
export function isUnderPreviewDomain(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

/**
 * The label a preview host name carries (its token), for a normalised host name
 * (normalizeHost); undefined for a name that is not a preview's. A name under the preview
 * domain that is no single plain label gives "" (a preview host, with no valid token).
 */
export function previewHostLabel(name: string, domain: string): string | undefined {
  if (!isUnderPreviewDomain(name, domain)) return undefined;
  const label = name.slice(0, -(domain.length + 1));
  return tokenLabel.test(label) ? label : "";
}
