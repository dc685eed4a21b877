/**
 * Which URLs web_search may hand to Firecrawl. Only http(s), and by default no loopback, private,
 * link-local or cloud-metadata hosts written as literals (a self-hosted Firecrawl often sits inside
 * the network it could otherwise be pointed at). Names are not resolved here; Firecrawl does that.
 */
import { ToolFailure } from "@dispatch/tool-kit";

const BLOCKED_NAMES = /^(localhost|.*\.localhost|.*\.local|.*\.internal|metadata\.google\.internal)$/i;

/** The URL, normalized, or a `ToolFailure` saying why it is refused. */
export function checkUrl(raw: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(raw.includes("://") ? raw : `https://${raw}`);
  } catch {
    throw new ToolFailure("BAD_URL", `"${raw}" is not a valid URL. Give a full http(s) URL.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ToolFailure("BAD_URL", `Only http and https URLs can be fetched, not ${url.protocol}.`);
  }
  if (!allowPrivate && isPrivateHost(url.hostname)) {
    throw new ToolFailure(
      "PRIVATE_URL",
      `Refused: ${url.hostname} is a local or private-network address; web_search only fetches public web pages.`,
    );
  }
  return url.href;
}

/** Literal loopback, private, link-local, unique-local or unspecified addresses and local names. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (BLOCKED_NAMES.test(host)) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  if (host.includes(":")) {
    if (host === "::" || host === "::1") return true;
    if (host.startsWith("::ffff:")) return true;
    return /^(fc|fd|fe8|fe9|fea|feb)/.test(host);
  }
  return false;
}
