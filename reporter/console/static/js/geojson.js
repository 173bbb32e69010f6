// GeoJSON from the console's own endpoints, in the coordinate system of the tiles (shared by the map modules).

export function withCrs(url, crs) {
  return url + (url.includes("?") ? "&" : "?") + "coord_system=" + encodeURIComponent(crs);
}

export async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } });
  if (!response.ok) throw new Error(url + " answered " + response.status);
  return response.json();
}
