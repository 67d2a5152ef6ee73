import { defineContract } from "@/lib/route-contract";
import {
  authUserResponseSchema,
  loginBodySchema,
  logoutResponseSchema,
  meResponseSchema,
  signupBodySchema,
  signupResponseSchema,
} from "./schemas";

export const signupContract = defineContract({
  method: "POST",
  path: "/api/auth/signup",
  summary: "Create an account and sign in. The first account is the admin.",
  tags: ["auth"],
  auth: "public",
  body: signupBodySchema,
  response: signupResponseSchema,
  status: 201,
});

export const loginContract = defineContract({
  method: "POST",
  path: "/api/auth/login",
  summary: "Sign in with email and password; sets the session cookie.",
  tags: ["auth"],
  auth: "public",
  body: loginBodySchema,
  response: authUserResponseSchema,
});

export const logoutContract = defineContract({
  method: "POST",
  path: "/api/auth/logout",
  summary: "End the current session and clear its cookie.",
  tags: ["auth"],
  auth: "public",
  rateLimit: false,
  response: logoutResponseSchema,
});

export const meContract = defineContract({
  method: "GET",
  path: "/api/auth/me",
  summary: "The signed-in user, by session or API key.",
  tags: ["auth"],
  auth: "user",
  response: meResponseSchema,
});
