import { connection } from "next/server";
import { Suspense } from "react";
import { AuthCard } from "@/components/auth/auth-card";
import { AuthForm } from "@/components/auth/auth-form";
import { supabaseGithubEnabled } from "@/lib/auth/supabase-accounts";
import { getEnv } from "@/lib/env";

export const metadata = { title: "Sign in · Kiln" };

export default async function LoginPage() {
  // Read at request time: whether Supabase offers GitHub is the running server's to know.
  await connection();
  const withGithub = getEnv().isSupabaseAuth && (await supabaseGithubEnabled());
  return (
    <AuthCard
      title="Sign in to Kiln"
      subtitle="Build, run and ship apps with a model at your side."
    >
      <Suspense>
        <AuthForm mode="login" withGithub={withGithub} />
      </Suspense>
    </AuthCard>
  );
}
