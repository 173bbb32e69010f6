// Maps of the console (Leaflet, vendored): a case's point, or a point picked for a new case.
// Tiles come from MAP_TILE_URL when configured (data-tile-url); without them the map is a plain canvas with the
// point, so it works on the intranet with no tile server. No inline script: this module reads data-* attributes.
/* global L */
const ANKANG = [32.68, 109.03];

function makeMap(el) {
  const map = L.map(el, { keyboard: true }).setView(ANKANG, 9);
  const url = el.dataset.tileUrl;
  if (url) {
    L.tileLayer(url, { attribution: el.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
  }
  return map;
}

for (const el of document.querySelectorAll(".map")) {
  const map = makeMap(el);
  if (el.dataset.lat) {
    const point = [Number(el.dataset.lat), Number(el.dataset.lng)];
    L.circleMarker(point, { radius: 8 }).addTo(map);
    map.setView(point, 14);
  }
  if (el.dataset.pick) {
    const lat = document.getElementById("lat");
    const lng = document.getElementById("lng");
    let marker = null;
    map.on("click", (event) => {
      const { lat: la, lng: ln } = event.latlng;
      lat.value = la.toFixed(6);
      lng.value = ln.toFixed(6);
      if (marker) marker.setLatLng(event.latlng); else marker = L.circleMarker(event.latlng, { radius: 8 }).addTo(map);
    });
  }
}
