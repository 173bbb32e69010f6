#!/usr/bin/env bash
# Back up the PostgreSQL database and the upload store into one dated folder, with a manifest of file hashes.
# usage: DATABASE_URL=postgresql+psycopg://… UPLOAD_ROOT=/srv/reporter/uploads deploy/backup.sh /srv/backups
set -euo pipefail
dest_root=${1:?usage: backup.sh DEST_DIR}
: "${DATABASE_URL:?DATABASE_URL is required}"
: "${UPLOAD_ROOT:?UPLOAD_ROOT is required}"
pg_url=${DATABASE_URL/+psycopg/}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dest="$dest_root/reporter-$stamp"
mkdir -p "$dest"
# A consistent snapshot of the database (custom format: parallel, selective restore).
pg_dump --format=custom --no-owner --no-privileges --file="$dest/db.dump" "$pg_url"
# Photos are immutable once written (content-addressed names), so a copy after the dump holds every file it names.
tar -C "$UPLOAD_ROOT" -cf "$dest/uploads.tar" .
(cd "$UPLOAD_ROOT" && find . -type f ! -name '*.tmp' -print0 | sort -z | xargs -0 -r sha256sum) > "$dest/uploads.sha256"
# Names relative to the backup folder: the folder is self-contained and can be checked wherever it is copied to.
(cd "$dest" && sha256sum db.dump uploads.tar uploads.sha256) > "$dest/SHA256SUMS"
echo "$dest"
