import { Suspense } from "react";
import { AuthCard } from "@/components/auth/auth-card";
import { AuthForm } from "@/components/auth/auth-form";

export const metadata = { title: "Sign in · Kiln" };

export default function LoginPage() {
  return (
    <AuthCard
      title="Sign in to Kiln"
      subtitle="Build, run and ship apps with a model at your side."
    >
      <Suspense>
        <AuthForm mode="login" />
      </Suspense>
    </AuthCard>
  );
}
