// The grids map of the administration pages (Leaflet, vendored): county outlines, grids shaded red where no inspector
// is assigned, each grid a link to its page. Tiles from MAP_TILE_URL when configured (data-tile-url, data-tile-crs),
// every GeoJSON asked for in the tiles' coordinate system. No inline script: this module reads data-* attributes.
/* global L */
import { getJSON, withCrs } from "./geojson.js";

const ANKANG = [32.68, 109.03];

async function gridsMap(el) {
  const map = L.map(el, { keyboard: true }).setView(ANKANG, 8);
  const crs = el.dataset.tileCrs || "wgs84";
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
  }
  const counties = await getJSON(withCrs(el.dataset.countiesUrl, crs));
  const countyLayer = L.geoJSON(counties, { style: { color: "#0b5d3b", weight: 2, fill: false },
    interactive: false }).addTo(map);
  const grids = await getJSON(withCrs(el.dataset.gridsUrl, crs));
  const gridLayer = L.geoJSON(grids, {
    style: (f) => ({ color: "#5b6670", weight: 1, fillColor: f.properties.inspectors ? "#0b5d3b" : "#b00020",
      fillOpacity: 0.2 }),
    onEachFeature: (f, layer) => {
      const link = document.createElement("a");
      link.href = f.properties.url;
      link.textContent = f.properties.code + " " + f.properties.name + "（网格员 " + f.properties.inspectors + " 名）";
      layer.bindPopup(link);
    },
  }).addTo(map);
  const bounds = grids.features.length ? gridLayer.getBounds() : countyLayer.getBounds();
  // one grid: with its surroundings (neighbouring grids, the county line) in view
  if (bounds.isValid()) map.fitBounds(grids.features.length === 1 ? bounds.pad(2) : bounds, { maxZoom: 13 });
  el.dataset.drawn = String(grids.features.length);
}

for (const el of document.querySelectorAll(".admin-map")) {
  gridsMap(el).catch((error) => { console.error(error); });
}
