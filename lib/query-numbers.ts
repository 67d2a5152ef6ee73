import { z } from "zod";

/** A whole number from a query string, in [min, max], with errors that say which bound. */
export function wholeNumber(min: number, max?: number) {
  let n = z.coerce
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(min, { error: `must be at least ${min}` });
  if (max !== undefined) n = n.max(max, { error: `must be at most ${max}` });
  return n;
}

/** Seed 001's paging: page from 1, pageSize 1–100 (20 unless given). */
export const pageFields = {
  page: wholeNumber(1).default(1),
  pageSize: wholeNumber(1, 100).default(20),
};
