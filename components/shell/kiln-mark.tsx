export function KilnMark({ className = "h-6 w-6" }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" className={className} aria-hidden="true">
      <rect width="32" height="32" rx="8" className="fill-orange-500" />
      <path
        d="M9 24V8h3.5v6.6L18.4 8h4.3l-6.4 7 6.8 9h-4.4l-4.9-6.7-1.3 1.4V24z"
        className="fill-zinc-950"
      />
    </svg>
  );
}
