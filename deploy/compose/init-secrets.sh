#!/usr/bin/env bash
# Creates the secrets the Compose setup reads (deploy/compose/secrets/, gitignored) unless they
# exist already, so running it again keeps the keys and passwords that the database was
# initialised with. Delete the folder together with the `pgdata` volume to start afresh
# (`docker compose down -v`).
#
# The folder is private (0700); the files inside are 0644 because Compose bind-mounts each file
# into the containers, which run as other users (the services as uid 65532).
set -euo pipefail

dir="$(cd "$(dirname "$0")" && pwd)/secrets"
mkdir -p "$dir"
chmod 0700 "$dir"

# 32 random bytes, hex: URL-safe, so passwords can sit inside the connection URLs.
random_hex() {
    if command -v openssl >/dev/null 2>&1; then
        openssl rand -hex 32
    else
        python3 -c 'import secrets; print(secrets.token_hex(32))'
    fi
}

# write NAME VALUE: creates secrets/NAME holding VALUE, without a trailing newline, if it is
# missing. A newline added by an editor is harmless to the Juxuan binaries, which drop a
# trailing \n or \r\n from every <NAME>_FILE, and to Postgres and Redis, which read theirs
# through $(...).
write() {
    local file="$dir/$1"
    if [[ -s "$file" ]]; then
        echo "kept    $file"
        return
    fi
    printf '%s' "$2" >"$file"
    chmod 0644 "$file"
    echo "created $file"
}

# Passwords first: the URLs below are built from what is on disk.
write postgres_password "$(random_hex)"
write redis_password "$(random_hex)"
write pii_key "$(random_hex)"
write admin_password "$(random_hex)"
write grafana_admin_password "$(random_hex)"

pg_password="$(cat "$dir/postgres_password")"
redis_password="$(cat "$dir/redis_password")"
write database_url "postgres://juxuan:${pg_password}@postgres:5432/juxuan"
write redis_url "redis://:${redis_password}@redis:6379/0"

echo
echo "The gateway's first district admin is 'admin' with the password in $dir/admin_password."
