/**
 * The environment a shell command gets: the daemon's own, minus its secrets (API keys, the bearer
 * token, anything named like a credential) and every `DISPATCH_*` setting.
 */

/** Variable names that look like secrets (`AUTH` only as a whole word: `GIT_AUTHOR_NAME` stays). */
export const SECRET_NAME_PATTERN =
  /KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|COOKIE|(?:^|_)AUTH(?:_|$)/i;

/** The daemon's environment without secrets. `secretNames` are removed whatever they are called. */
export function childEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  secretNames: Iterable<string> = [],
): Record<string, string> {
  const denied = new Set(secretNames);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || denied.has(name)) continue;
    if (name.startsWith("DISPATCH_") || SECRET_NAME_PATTERN.test(name)) continue;
    out[name] = value;
  }
  return out;
}
