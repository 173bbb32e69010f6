// Maps of the console (Leaflet, vendored): a case's point, a point picked for a new case, and the case map.
// Tiles come from MAP_TILE_URL when configured (data-tile-url, in data-tile-crs: wgs84 | gcj02); without them the
// county and grid outlines are the map, so it works on the intranet with no tile server. Every GeoJSON is asked for
// in the tiles' coordinate system. No inline script: this module reads data-* attributes.
/* global L */
import { getJSON, withCrs } from "./geojson.js";

const ANKANG = [32.68, 109.03];
const OUTLINES = "/console/map/outlines/";
const ZONE_COLOURS = { core: "#b71c1c", key: "#ef6c00", general: "#f9a825" };
const COVERAGE_COLOURS = ["#ffffff", "#c8e6c9", "#66bb6a", "#1b5e20"];

function coverageColour(pct) {
  if (!pct) return COVERAGE_COLOURS[0];
  if (pct < 50) return COVERAGE_COLOURS[1];
  return pct < 80 ? COVERAGE_COLOURS[2] : COVERAGE_COLOURS[3];
}

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
  if (el.dataset.zonesUrl) {
    const zones = await getJSON(withCrs(el.dataset.zonesUrl, crs));
    L.geoJSON(zones, { style: (f) => ({ color: ZONE_COLOURS[f.properties.level] || "#f9a825", weight: 1.5,
      dashArray: "4 3", fillColor: ZONE_COLOURS[f.properties.level] || "#f9a825", fillOpacity: 0.06 }),
    interactive: false }).addTo(map);
  }
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

async function coverageMap(el) {
  const { map, crs } = makeMap(el);
  const grids = await getJSON(withCrs(el.dataset.coverageUrl, crs));
  const countyLayer = await drawOutlines(map, crs, el, null);
  const layer = L.geoJSON(grids, { style: (f) => ({ color: "#5b6670", weight: 0.5,
    fillColor: coverageColour(f.properties.coverage_pct), fillOpacity: 0.7 }) });
  layer.eachLayer((item) => {
    const p = item.feature.properties;
    item.bindTooltip((p.name || p.code) + "：覆盖 " + p.coverage_pct + "%，巡查 " + p.patrols + " 次，网格员 " +
      p.inspectors + " 人");
  });
  layer.addTo(map);
  const bounds = grids.features.length ? layer.getBounds() : countyLayer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 11 });
  const summary = document.getElementById("coverage-summary");
  if (summary) {
    const n = grids.features.length;
    const patrolled = grids.features.filter((f) => f.properties.patrols > 0).length;
    const mean = n ? grids.features.reduce((sum, f) => sum + f.properties.coverage_pct, 0) / n : 0;
    summary.textContent = grids.month + "：" + n + " 个网格，" + patrolled + " 个有巡查，" + (n - patrolled) +
      " 个未巡查；平均覆盖率 " + mean.toFixed(1) + "%。";
  }
}

async function pointMap(el) {
  const { map, crs } = makeMap(el);
  // The point and the picker first, synchronously: a click must not wait for the outlines to arrive.
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
  if (!el.dataset.tileUrl) await drawOutlines(map, crs, el, null);
}

for (const el of document.querySelectorAll(".map")) {
  const draw = el.dataset.casesUrl ? caseMap : (el.dataset.coverageUrl ? coverageMap : pointMap);
  draw(el).catch((error) => { console.error(error); });
}
