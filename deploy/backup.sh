#!/usr/bin/env bash
# Back up the PostgreSQL database and the photos into one dated folder, with a manifest of file hashes.
# usage: DATABASE_URL=postgresql+psycopg://… UPLOAD_ROOT=/srv/reporter/uploads deploy/backup.sh /srv/backups
#   With the photos on an object store (STORAGE_URL=s3://…), its objects are copied into the backup the same way
#   (`flask media migrate-storage --to file://…`, through REPORTER_FLASK, by default deploy/reporter-flask).
set -euo pipefail
dest_root=${1:?usage: backup.sh DEST_DIR}
: "${DATABASE_URL:?DATABASE_URL is required}"
flask_cmd=${REPORTER_FLASK:-$(dirname "$0")/reporter-flask}
pg_url=${DATABASE_URL/+psycopg/}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dest="$dest_root/reporter-$stamp"
mkdir -p "$dest"
# A consistent snapshot of the database (custom format: parallel, selective restore).
pg_dump --format=custom --no-owner --no-privileges --file="$dest/db.dump" "$pg_url"
# Photos are immutable once written (content-addressed names), so a copy after the dump holds every file it names.
if [[ "${STORAGE_URL:-}" == s3://* ]]; then
    photos=$(mktemp -d)
    trap 'rm -rf "$photos"' EXIT
    "$flask_cmd" media migrate-storage --from "$STORAGE_URL" --to "file://$photos" >&2
else
    : "${UPLOAD_ROOT:?UPLOAD_ROOT is required (or STORAGE_URL=s3://…)}"
    photos=$UPLOAD_ROOT
fi
tar -C "$photos" -cf "$dest/uploads.tar" .
(cd "$photos" && find . -type f ! -name '*.tmp' ! -name '.tmp-*' -print0 | sort -z | xargs -0 -r sha256sum) \
    > "$dest/uploads.sha256"
# Names relative to the backup folder: the folder is self-contained and can be checked wherever it is copied to.
(cd "$dest" && sha256sum db.dump uploads.tar uploads.sha256) > "$dest/SHA256SUMS"
echo "$dest"
