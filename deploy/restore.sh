#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY database and upload folder, then verify the file hashes.
# usage: DATABASE_URL=postgresql+psycopg://…/fresh UPLOAD_ROOT=/srv/reporter/uploads-new deploy/restore.sh BACKUP_DIR
set -euo pipefail
src=${1:?usage: restore.sh BACKUP_DIR}
: "${DATABASE_URL:?DATABASE_URL is required}"
: "${UPLOAD_ROOT:?UPLOAD_ROOT is required}"
pg_url=${DATABASE_URL/+psycopg/}
# Absolute paths from here on: the checks below run inside the folders, and either may be given relative.
src=$(cd "$src" && pwd)
mkdir -p "$UPLOAD_ROOT"
UPLOAD_ROOT=$(cd "$UPLOAD_ROOT" && pwd)
if [ -n "$(ls -A "$UPLOAD_ROOT")" ]; then
    echo "restore.sh: UPLOAD_ROOT $UPLOAD_ROOT is not empty" >&2
    exit 1
fi
(cd "$src" && sha256sum --quiet --strict -c SHA256SUMS)
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$pg_url" "$src/db.dump"
tar -C "$UPLOAD_ROOT" -xf "$src/uploads.tar"
(cd "$UPLOAD_ROOT" && sha256sum --quiet -c "$src/uploads.sha256")
echo "restored $src"
