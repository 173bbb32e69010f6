// Maps of the console (Leaflet, vendored): a case's point, a point picked for a new case, and the case map.
// Tiles come from MAP_TILE_URL when configured (data-tile-url, in data-tile-crs: wgs84 | gcj02); without them the
// county and grid outlines are the map, so it works on the intranet with no tile server. Every GeoJSON is asked for
// in the tiles' coordinate system. No inline script: this module reads data-* attributes.
/* global L */
import { getJSON, withCrs } from "./geojson.js";

const ANKANG = [32.68, 109.03];
const OUTLINES = "/console/map/outlines/";

function makeMap(el) {
  const map = L.map(el, { keyboard: true, preferCanvas: false }).setView(ANKANG, 8);
  const crs = el.dataset.tileCrs || "wgs84";
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
  }
  return { map, crs };
}

async function drawOutlines(map, crs, el, density) {
  const counties = await getJSON(withCrs(el.dataset.countiesUrl || OUTLINES + "counties.geojson", crs));
  const countyLayer = L.geoJSON(counties, { style: { color: "#0b5d3b", weight: 2, fill: false },
    interactive: false }).addTo(map);
  if (el.dataset.gridsUrl) {
    const grids = await getJSON(withCrs(el.dataset.gridsUrl, crs));
    const max = Math.max(1, ...Object.values(density || {}));
    L.geoJSON(grids, { style: (f) => {
      const n = (density || {})[f.properties.id] || 0;
      return { color: "#5b6670", weight: 0.5, fillColor: "#b00020", fillOpacity: n ? 0.1 + 0.35 * n / max : 0 };
    }, interactive: false }).addTo(map);
  }
  return countyLayer;
}

async function caseMap(el) {
  const { map, crs } = makeMap(el);
  const cases = await getJSON(withCrs(el.dataset.casesUrl, crs));
  const density = {};
  for (const f of cases.features) {
    if (f.properties.grid_id) density[f.properties.grid_id] = (density[f.properties.grid_id] || 0) + 1;
  }
  const countyLayer = await drawOutlines(map, crs, el, density);
  const points = L.geoJSON(cases, { pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 5,
    color: "#0a4f8a", weight: 1, fillOpacity: 0.8 }) });
  points.eachLayer((layer) => {
    const p = layer.feature.properties;
    const link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.number + " " + p.state;
    layer.bindPopup(link);
  });
  points.addTo(map);
  const bounds = cases.features.length ? points.getBounds() : countyLayer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 11 });
  const summary = document.getElementById("map-summary");
  if (summary) summary.textContent = "地图显示 " + cases.features.length + " 件案件；网格颜色越深，案件越多。";
}

async function pointMap(el) {
  const { map, crs } = makeMap(el);
  if (!el.dataset.tileUrl) await drawOutlines(map, crs, el, null);
  if (el.dataset.lat) {
    const point = [Number(el.dataset.lat), Number(el.dataset.lng)];
    L.circleMarker(point, { radius: 8 }).addTo(map);
    map.setView(point, 13);
  }
  if (el.dataset.pick) {
    const lat = document.getElementById("lat");
    const lng = document.getElementById("lng");
    const system = document.getElementById("coord_system");
    if (system) system.value = crs;
    let marker = null;
    map.on("click", (event) => {
      lat.value = event.latlng.lat.toFixed(6);
      lng.value = event.latlng.lng.toFixed(6);
      if (marker) marker.setLatLng(event.latlng);
      else marker = L.circleMarker(event.latlng, { radius: 8 }).addTo(map);
    });
  }
}

for (const el of document.querySelectorAll(".map")) {
  (el.dataset.casesUrl ? caseMap(el) : pointMap(el)).catch((error) => { console.error(error); });
}
