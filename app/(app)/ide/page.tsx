import { Ide } from "@/components/ide/ide";

export const metadata = { title: "IDE · Kiln" };

export default function IdePage() {
  return <Ide />;
}
