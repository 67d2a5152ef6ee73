import { z } from "zod";

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "must be a valid email address" }).max(254));

export const signupBodySchema = z.object({
  email: emailSchema,
  password: z
    .string()
    .min(8, { error: "must be at least 8 characters" })
    .max(256, { error: "must be at most 256 characters" }),
});
export type SignupBody = z.infer<typeof signupBodySchema>;

export const loginBodySchema = z.object({
  email: emailSchema,
  password: z.string().min(1, { error: "is required" }).max(256),
});
export type LoginBody = z.infer<typeof loginBodySchema>;

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  isAdmin: z.boolean(),
  tier: z.enum(["free", "pro", "enterprise"]),
});

export const meResponseSchema = z.object({
  user: userSchema,
  authenticatedVia: z.enum(["session", "supabase", "api_key"]),
});

export const authUserResponseSchema = z.object({ user: userSchema });
export const signupResponseSchema = authUserResponseSchema.extend({
  /** Supabase Auth mode with email confirmation on: confirm, then sign in. */
  confirmationRequired: z.literal(true).optional(),
});
export const logoutResponseSchema = z.object({ ok: z.literal(true) });
