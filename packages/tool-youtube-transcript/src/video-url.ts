/**
 * Recognizes YouTube video URLs (watch?v=, youtu.be/, embed/, shorts/, live/) and extracts the id.
 */

const ID = /^[A-Za-z0-9_-]{11}$/;
const HOSTS = new Set([
  "youtube.com",
  "www.youtube.com",
  "m.youtube.com",
  "music.youtube.com",
  "youtube-nocookie.com",
  "www.youtube-nocookie.com",
]);

/** The 11-character video id of a YouTube URL, or `undefined` when it is not one. */
export function videoId(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.includes("://") ? raw : `https://${raw}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  const host = url.hostname.toLowerCase();
  let id: string | undefined;
  if (host === "youtu.be" || host === "www.youtu.be") {
    id = url.pathname.split("/")[1];
  } else if (HOSTS.has(host)) {
    const [, first, second] = url.pathname.split("/");
    if (first === "watch") id = url.searchParams.get("v") ?? undefined;
    else if (first === "embed" || first === "shorts" || first === "live" || first === "v") id = second;
  }
  return id !== undefined && ID.test(id) ? id : undefined;
}
