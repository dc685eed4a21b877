/** Output caps keep head and tail with a note, and the streaming collector matches `capText`. */
import { describe, expect, it } from "vitest";
import { capHead, capText, createOutputCollector } from "./output-cap.ts";

describe("capText", () => {
  it("leaves short text alone", () => {
    expect(capText("hello", 10)).toBe("hello");
  });

  it("keeps the head and the tail and says how much was cut", () => {
    const text = `${"a".repeat(1000)}${"m".repeat(5000)}${"z".repeat(1000)}`;
    const capped = capText(text, 1000);
    expect(capped.startsWith("a".repeat(400))).toBe(true);
    expect(capped.endsWith("z".repeat(600))).toBe(true);
    expect(capped).toContain("6,000 characters omitted");
  });
});

describe("capHead", () => {
  it("keeps the beginning", () => {
    const capped = capHead("x".repeat(150), 100);
    expect(capped.startsWith("x".repeat(100))).toBe(true);
    expect(capped).toContain("50 more characters not shown");
  });
});

describe("createOutputCollector", () => {
  it("streams to the same head and tail as capText", () => {
    const collector = createOutputCollector(1000);
    let all = "";
    for (let i = 0; i < 500; i++) {
      const piece = `line ${i}\n`;
      all += piece;
      collector.append(piece);
    }
    expect(collector.total).toBe(all.length);
    expect(collector.text()).toBe(capText(all, 1000));
  });

  it("keeps everything under the cap", () => {
    const collector = createOutputCollector(100);
    collector.append("abc");
    collector.append("def");
    expect(collector.text()).toBe("abcdef");
  });
});
