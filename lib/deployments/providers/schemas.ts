import { z } from "zod";

// The remote providers a deployment can go to, and the token a user saves for each in Settings.

export const remoteProviders = ["vercel", "netlify"] as const;
export type RemoteProvider = (typeof remoteProviders)[number];

export const providerNames: Record<RemoteProvider, string> = {
  vercel: "Vercel",
  netlify: "Netlify",
};

export const remoteProviderParamsSchema = z.object({
  provider: z.enum(remoteProviders, { error: "must be vercel or netlify" }),
});

// A token goes into an HTTP header: anything but printable ASCII could only fail there.
export const saveProviderTokenBodySchema = z.strictObject({
  token: z
    .string()
    .trim()
    .min(1, "is required")
    .max(500, "must be at most 500 characters")
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces, as provider tokens are"),
  /** Vercel only: the team to deploy under (its id, team_…), else the token's own account. */
  teamId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, "must be a Vercel team id such as team_abc123")
    .optional(),
});
export type SaveProviderTokenBody = z.infer<typeof saveProviderTokenBodySchema>;

export const providerConnectionSchema = z.object({
  provider: z.enum(remoteProviders),
  connected: z.boolean(),
  /** Enough of the token to recognise it, never to use it. */
  tokenHint: z.string().nullable(),
  teamId: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type ProviderConnection = z.infer<typeof providerConnectionSchema>;
