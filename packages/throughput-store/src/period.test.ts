import { describe, expect, it } from "vitest";
import { periodRange, utcDate } from "./period.ts";
import { throughputQuerySchema } from "./query.ts";

const at = (iso: string) => Date.parse(iso);

describe("periodRange", () => {
  it("gives a UTC day", () => {
    expect(periodRange("day", "2026-11-22")).toEqual({
      start: at("2026-11-22T00:00:00Z"),
      end: at("2026-11-23T00:00:00Z"),
    });
    expect(periodRange("day", "2026-12-31")?.end).toBe(at("2027-01-01T00:00:00Z"));
  });

  it("gives the Monday-to-Sunday week holding the date", () => {
    const week = { start: at("2026-11-16T00:00:00Z"), end: at("2026-11-23T00:00:00Z") };
    expect(periodRange("week", "2026-11-16")).toEqual(week); // Monday
    expect(periodRange("week", "2026-11-19")).toEqual(week); // Thursday
    expect(periodRange("week", "2026-11-22")).toEqual(week); // Sunday
    expect(periodRange("week", "2027-01-01")).toEqual({
      start: at("2026-12-28T00:00:00Z"),
      end: at("2027-01-04T00:00:00Z"),
    });
  });

  it("gives a calendar month from YYYY-MM or any date inside it", () => {
    const november = { start: at("2026-11-01T00:00:00Z"), end: at("2026-12-01T00:00:00Z") };
    expect(periodRange("month", "2026-11")).toEqual(november);
    expect(periodRange("month", "2026-11-30")).toEqual(november);
    expect(periodRange("month", "2026-12")?.end).toBe(at("2027-01-01T00:00:00Z"));
    expect(periodRange("month", "2028-02-29")?.end).toBe(at("2028-03-01T00:00:00Z"));
  });

  it("rejects malformed and non-existent dates", () => {
    for (const bad of [
      "",
      "2026-02-30",
      "2027-02-29",
      "2026-13-01",
      "2026-00-10",
      "2026-1-01",
      "26-11-22",
      "today",
    ]) {
      expect(periodRange("day", bad)).toBeNull();
    }
    expect(periodRange("day", "2026-11")).toBeNull();
    expect(periodRange("week", "2026-11")).toBeNull();
    expect(periodRange("month", "2026-13")).toBeNull();
    expect(periodRange("month", "2026-11-31")).toBeNull();
  });
});

describe("utcDate", () => {
  it("is the UTC calendar date", () => {
    expect(utcDate(at("2026-11-22T23:59:59.999Z"))).toBe("2026-11-22");
    expect(utcDate(at("2026-11-23T00:00:00Z"))).toBe("2026-11-23");
  });
});

describe("throughputQuerySchema", () => {
  it("accepts a period with an optional real date", () => {
    expect(throughputQuerySchema.parse({ period: "week" })).toEqual({ period: "week" });
    expect(throughputQuerySchema.parse({ period: "day", date: "2026-11-22", extra: "x" })).toEqual({
      period: "day",
      date: "2026-11-22",
    });
    expect(throughputQuerySchema.safeParse({ period: "month", date: "2026-11" }).success).toBe(true);
  });

  it("rejects unknown periods, bad dates and YYYY-MM outside months, naming the field", () => {
    const cases = [
      [{ period: "year" }, "period"],
      [{}, "period"],
      [{ period: "day", date: "2026-02-30" }, "date"],
      [{ period: "day", date: "2026-11" }, "date"],
      [{ period: "week", date: "" }, "date"],
      [{ period: "day", date: 20261122 }, "date"],
    ] as const;
    for (const [input, field] of cases) {
      const result = throughputQuerySchema.safeParse(input);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual([field]);
    }
  });
});
