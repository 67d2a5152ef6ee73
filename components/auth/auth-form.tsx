"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { safeNextPath } from "@/lib/auth/next-path";
import { apiFetch, errorMessage } from "@/lib/client/fetch-json";

const startErrors: Record<string, string> = {
  link: "That sign-in link is invalid or has expired. Sign in again.",
  github: "Signing in with GitHub is not available right now. Use your email and password.",
};

/** `withGithub`: the server offers "Continue with GitHub" (Supabase Auth with GitHub on). */
export function AuthForm({
  mode,
  withGithub = false,
}: {
  mode: "login" | "signup";
  withGithub?: boolean;
}) {
  const router = useRouter();
  const searchParams = useSearchParams();
  const [error, setError] = useState<string | undefined>(
    startErrors[searchParams.get("error") ?? ""],
  );
  const [notice, setNotice] = useState<string>();
  const [fieldErrors, setFieldErrors] = useState<{ email?: string; password?: string }>({});
  const [isSubmitting, setIsSubmitting] = useState(false);
  const isSignup = mode === "signup";

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "").trim();
    const password = String(form.get("password") ?? "");
    const errors: typeof fieldErrors = {};
    if (!email) errors.email = "Enter your email address";
    if (!password) errors.password = "Enter your password";
    else if (isSignup && password.length < 8) errors.password = "Use at least 8 characters";
    setFieldErrors(errors);
    setError(undefined);
    if (errors.email || errors.password) return;

    setIsSubmitting(true);
    try {
      const result = await apiFetch<{ confirmationRequired?: true }>(`/api/auth/${mode}`, {
        method: "POST",
        json: { email, password },
      });
      if (result.confirmationRequired) {
        setNotice("Check your email for a confirmation link, then sign in.");
        setIsSubmitting(false);
        return;
      }
      router.replace(safeNextPath(searchParams.get("next")));
      router.refresh();
    } catch (caught) {
      setError(errorMessage(caught));
      setIsSubmitting(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-5">
      {error ? <Alert tone="error">{error}</Alert> : null}
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      {withGithub ? (
        <>
          <a
            href={`/auth/github?${new URLSearchParams({ next: safeNextPath(searchParams.get("next")) })}`}
            className="flex w-full items-center justify-center gap-2 rounded-md border border-zinc-700 bg-zinc-900 px-3 py-2 text-sm font-medium text-zinc-100 hover:bg-zinc-800 focus-visible:outline-2 focus-visible:outline-orange-400"
          >
            Continue with GitHub
          </a>
          <p className="text-center text-xs text-zinc-400">or with your email</p>
        </>
      ) : null}
      <TextField
        id="email"
        name="email"
        type="email"
        label="Email"
        autoComplete="email"
        placeholder="you@example.com"
        error={fieldErrors.email}
        required
      />
      <TextField
        id="password"
        name="password"
        type="password"
        label="Password"
        autoComplete={isSignup ? "new-password" : "current-password"}
        placeholder={isSignup ? "At least 8 characters" : undefined}
        error={fieldErrors.password}
        required
      />
      <Button type="submit" className="w-full" disabled={isSubmitting}>
        {isSubmitting ? "Please wait…" : isSignup ? "Create account" : "Sign in"}
      </Button>
      <p className="text-center text-sm text-zinc-400">
        {isSignup ? "Already have an account? " : "New to Kiln? "}
        <Link
          href={{
            pathname: isSignup ? "/login" : "/signup",
            query: Object.fromEntries(searchParams),
          }}
          className="font-medium text-orange-300 hover:text-orange-200"
        >
          {isSignup ? "Sign in" : "Create an account"}
        </Link>
      </p>
    </form>
  );
}
