# shellcheck shell=bash
# Shared by bin/setup-env and bin/sync-env (sourced, not run): read and update KEY=value lines of
# an env file (the systemd EnvironmentFile /etc/dispatch/env, or a dev .env) without touching the
# other lines. Values are passed through the environment, never through a command line or a regex.

# env_get FILE KEY: prints KEY's value (the last assignment, quotes removed); status 1 if unset.
env_get() {
  KEY="$2" awk -v q="'" '
    BEGIN { k = ENVIRON["KEY"]; found = 0 }
    {
      line = $0
      sub(/^[ \t]*(export[ \t]+)?/, "", line)
      if (index(line, k "=") == 1) { v = substr(line, length(k) + 2); found = 1 }
    }
    END {
      if (!found) exit 1
      gsub(/^[ \t]+|[ \t]+$/, "", v)
      first = substr(v, 1, 1); last = substr(v, length(v), 1)
      if (length(v) >= 2 && first == last && (first == "\"" || first == q)) v = substr(v, 2, length(v) - 2)
      else sub(/[ \t]+#.*$/, "", v)
      print v
    }' "$1"
}

# env_set FILE KEY VALUE: replaces KEY's assignment (or its commented-out example, or appends),
# atomically, keeping the file's mode 0600 and its owner.
env_set() {
  local file="$1" tmp
  case "$3" in *$'\n'*) echo "env_set: a value for $2 contains a newline" >&2; return 1 ;; esac
  tmp="$(mktemp "$(dirname "$file")/.env.XXXXXX")"
  KEY="$2" VALUE="$3" awk '
    BEGIN { k = ENVIRON["KEY"]; v = ENVIRON["VALUE"]; done = 0 }
    function active(line) { sub(/^[ \t]*(export[ \t]+)?/, "", line); return index(line, k "=") == 1 }
    function example(line) { sub(/^#[ \t]*/, "", line); return index(line, k "=") == 1 }
    NR == FNR { if (active($0)) has_active = 1; next }
    has_active && active($0) { if (!done) print k "=" v; done = 1; next }
    !has_active && !done && example($0) { print k "=" v; done = 1; next }
    { print }
    END { if (!done) print k "=" v }
  ' "$file" "$file" >"$tmp"
  chmod 0600 "$tmp"
  chown --reference="$file" "$tmp" 2>/dev/null || true
  mv "$tmp" "$file"
}
