#!/bin/sh
# Refresh the console's front-end libraries from the npm registry at the pinned versions (no CDN at run time).
# Usage: reporter/console/static/vendor/refresh.sh   (needs npm; run from anywhere)
set -eu
HTMX=2.0.11
LEAFLET=1.9.4
ECHARTS=6.1.0
AXE=4.14.1   # tests only: the accessibility check runs axe-core inside the page
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "htmx.org@$HTMX" "leaflet@$LEAFLET" "echarts@$ECHARTS" "axe-core@$AXE" >/dev/null
for f in *.tgz; do mkdir "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
rm -rf "$here/htmx" "$here/leaflet" "$here/echarts" "$here/axe-core"
mkdir -p "$here/htmx" "$here/leaflet/images" "$here/echarts" "$here/axe-core"
cp "htmx.org-$HTMX/package/dist/htmx.min.js" "htmx.org-$HTMX/package/LICENSE" "$here/htmx/"
cp "leaflet-$LEAFLET/package/dist/leaflet.js" "leaflet-$LEAFLET/package/dist/leaflet.css" \
   "leaflet-$LEAFLET/package/LICENSE" "$here/leaflet/"
cp "leaflet-$LEAFLET/package/dist/images/"*.png "$here/leaflet/images/"
cp "echarts-$ECHARTS/package/dist/echarts.min.js" "echarts-$ECHARTS/package/LICENSE" "$here/echarts/"
[ -f "echarts-$ECHARTS/package/NOTICE" ] && cp "echarts-$ECHARTS/package/NOTICE" "$here/echarts/"
cp "axe-core-$AXE/package/axe.min.js" "axe-core-$AXE/package/LICENSE" "axe-core-$AXE/package/LICENSE-3RD-PARTY.txt" \
   "$here/axe-core/"
cat > "$here/VERSIONS" <<V
htmx.org $HTMX
leaflet $LEAFLET
echarts $ECHARTS
axe-core $AXE
V
echo "vendored into $here:"; cat "$here/VERSIONS"
