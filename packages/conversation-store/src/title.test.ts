import { describe, expect, it } from "vitest";
import { user } from "./test-fixtures/open-store.ts";
import { deriveTitle, TITLE_MAX_LENGTH } from "./title.ts";

describe("deriveTitle", () => {
  it("collapses whitespace of the first user text", () => {
    expect(
      deriveTitle([
        { role: "assistant", chunks: [{ type: "text", text: "not me" }] },
        user("  fix\n\tthe   build \n"),
      ]),
    ).toBe("fix the build");
  });

  it("joins the text chunks of one message and skips users without text", () => {
    const imageOnly = {
      role: "user" as const,
      chunks: [{ type: "image" as const, url: "data:image/png;base64,AA==" }],
    };
    const twoParts = {
      role: "user" as const,
      chunks: [
        { type: "text" as const, text: "look at" },
        { type: "image" as const, url: "https://example.test/a.png" },
        { type: "text" as const, text: "this" },
      ],
    };
    expect(deriveTitle([imageOnly, user("   "), twoParts])).toBe("look at this");
  });

  it("truncates to 80 code points with an ellipsis and never splits an emoji", () => {
    const long = `${"😀".repeat(79)}abc`;
    const title = deriveTitle([user(long)]);
    expect(Array.from(title)).toHaveLength(TITLE_MAX_LENGTH);
    expect(title).toBe(`${"😀".repeat(79)}…`);
    expect(deriveTitle([user("a".repeat(80))])).toBe("a".repeat(80));
    // The cut does not leave a space before the ellipsis.
    expect(deriveTitle([user(`${"a".repeat(78)} b${"c".repeat(10)}`)])).toBe(`${"a".repeat(78)}…`);
  });

  it("is empty when there is no user text", () => {
    expect(deriveTitle([])).toBe("");
    expect(deriveTitle([{ role: "assistant", chunks: [{ type: "text", text: "hello" }] }])).toBe("");
  });
});
