import "server-only";
import type { Caller } from "./types";

export async function getSupabaseCaller(
  _request: Request,
  _accessToken?: string,
): Promise<Caller | null> {
  throw new Error("Supabase Auth mode is being written");
}
