import { Suspense } from "react";
import { AuthCard } from "@/components/auth/auth-card";
import { AuthForm } from "@/components/auth/auth-form";

export const metadata = { title: "Create an account · Kiln" };

export default function SignupPage() {
  return (
    <AuthCard
      title="Create your account"
      subtitle="The first account on a new Kiln becomes its admin."
    >
      <Suspense>
        <AuthForm mode="signup" />
      </Suspense>
    </AuthCard>
  );
}
