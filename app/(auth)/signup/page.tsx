import { connection } from "next/server";
import { Suspense } from "react";
import { AuthCard } from "@/components/auth/auth-card";
import { AuthForm } from "@/components/auth/auth-form";
import { supabaseGithubEnabled } from "@/lib/auth/supabase-accounts";
import { getEnv } from "@/lib/env";

export const metadata = { title: "Create an account · Kiln" };

export default async function SignupPage() {
  // Read at request time: whether Supabase offers GitHub is the running server's to know.
  await connection();
  const withGithub = getEnv().isSupabaseAuth && (await supabaseGithubEnabled());
  return (
    <AuthCard
      title="Create your account"
      subtitle="The first account on a new Kiln becomes its admin."
    >
      <Suspense>
        <AuthForm mode="signup" withGithub={withGithub} />
      </Suspense>
    </AuthCard>
  );
}
