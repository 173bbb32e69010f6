#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY database and upload folder, then verify the file hashes.
# usage: DATABASE_URL=postgresql+psycopg://…/fresh UPLOAD_ROOT=/srv/reporter/uploads-new deploy/restore.sh BACKUP_DIR
#   With STORAGE_URL=s3://… the photos go back into that store instead (every copy's hash checked), through
#   REPORTER_FLASK (by default deploy/reporter-flask).
set -euo pipefail
src=${1:?usage: restore.sh BACKUP_DIR}
: "${DATABASE_URL:?DATABASE_URL is required}"
flask_cmd=${REPORTER_FLASK:-$(dirname "$0")/reporter-flask}
pg_url=${DATABASE_URL/+psycopg/}
# Absolute paths from here on: the checks below run inside the folders, and either may be given relative.
src=$(cd "$src" && pwd)
if [[ "${STORAGE_URL:-}" == s3://* ]]; then
    target=$(mktemp -d)
    trap 'rm -rf "$target"' EXIT
else
    : "${UPLOAD_ROOT:?UPLOAD_ROOT is required (or STORAGE_URL=s3://…)}"
    mkdir -p "$UPLOAD_ROOT"
    target=$(cd "$UPLOAD_ROOT" && pwd)
    if [ -n "$(ls -A "$target")" ]; then
        echo "restore.sh: UPLOAD_ROOT $target is not empty" >&2
        exit 1
    fi
fi
(cd "$src" && sha256sum --quiet --strict -c SHA256SUMS)
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$pg_url" "$src/db.dump"
tar -C "$target" -xf "$src/uploads.tar"
(cd "$target" && sha256sum --quiet -c "$src/uploads.sha256")
if [[ "${STORAGE_URL:-}" == s3://* ]]; then
    "$flask_cmd" media migrate-storage --from "file://$target" --to "$STORAGE_URL" >&2
fi
echo "restored $src"
