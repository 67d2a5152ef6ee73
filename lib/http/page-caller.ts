import "server-only";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import type { Caller } from "@/lib/auth/types";
import { resolveCaller } from "./resolve-caller";

/**
 * The signed-in caller of a page, or a redirect to /login. proxy.ts only checks that a session
 * cookie is present; this checks that it is valid.
 */
// cache(): the layout and the page of one render share a single lookup.
export const requirePageCaller = cache(async (): Promise<Caller> => {
  const [headerList, cookieStore] = await Promise.all([headers(), cookies()]);
  const request = new Request("http://kiln.internal/", {
    headers: {
      cookie: cookieStore.toString(),
      authorization: headerList.get("authorization") ?? "",
    },
  });
  const caller = await resolveCaller(request);
  if (!caller) redirect("/login");
  return caller;
});
