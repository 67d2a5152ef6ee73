import type { ButtonHTMLAttributes } from "react";

const variants = {
  primary: "bg-orange-500 text-black hover:bg-orange-400 disabled:bg-orange-500/50",
  secondary:
    "border border-zinc-700 bg-zinc-900 text-zinc-100 hover:bg-zinc-800 disabled:opacity-50",
  danger:
    "border border-red-900 bg-red-950/40 text-red-300 hover:bg-red-900/50 disabled:opacity-50",
  ghost: "text-zinc-400 hover:bg-zinc-800 hover:text-zinc-100",
} as const;

export function Button({
  variant = "primary",
  className = "",
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: keyof typeof variants }) {
  return (
    <button
      type="button"
      className={`inline-flex items-center justify-center gap-2 rounded-md px-3 py-2 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-orange-400 disabled:cursor-not-allowed ${variants[variant]} ${className}`}
      {...props}
    />
  );
}
