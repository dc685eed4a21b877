/**
 * `throughputQuerySchema`: validation of the `period` and `date` query parameters of
 * `GET /metrics/throughput`, for the HTTP route (400 on failure) and the service alike.
 */
import { z } from "zod";
import { periodRange, THROUGHPUT_PERIODS } from "./period.ts";

/** `{ period: "day" | "week" | "month", date?: "YYYY-MM-DD" | "YYYY-MM" (month only) }`, a real UTC date. */
export const throughputQuerySchema = z
  .object({
    period: z.enum(THROUGHPUT_PERIODS),
    date: z.string().optional(),
  })
  .refine((query) => query.date === undefined || periodRange(query.period, query.date) !== null, {
    path: ["date"],
    message: "date must be an existing UTC date as YYYY-MM-DD (or YYYY-MM for period=month)",
  });
