// The monthly bulletin's charts (Apache ECharts, vendored). The figures come from the page's JSON data block
// (#bulletin-data, the same report the tables show) and the twelve-month trend from its own URL; no inline script.
// Tooltips are drawn on the canvas (renderMode "richText"): HTML tooltips would carry inline styles the CSP refuses.
/* global echarts */
const GREEN = "#0b5d3b";
const COLOURS = [GREEN, "#0a4f8a", "#c47f00", "#b00020", "#6b4c9a", "#2f8f9d", "#5b6670", "#8c564b"];
const FONT = { fontFamily: "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif" };
const data = JSON.parse(document.getElementById("bulletin-data").textContent);
const charts = [];

function draw(el, option) {
  for (const series of option.series) if (series.type === "bar") series.barMaxWidth = 56;
  const chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({ color: COLOURS, textStyle: FONT, animation: false, aria: { enabled: false },
    tooltip: { trigger: "axis", renderMode: "richText" }, grid: { containLabel: true, left: 8, right: 16, top: 36,
      bottom: 8 }, ...option });
  el.dataset.drawn = "true";
  charts.push(chart);
  return chart;
}

function noData(el) {
  el.classList.add("empty");
  el.textContent = "本月没有数据。";
  el.dataset.drawn = "empty";
}

function pctBars(el, rows) {
  if (!rows.length || rows.every((r) => r.value === null)) return noData(el);
  draw(el, {
    xAxis: { type: "category", data: rows.map((r) => r.name), axisLabel: { interval: 0, rotate: rows.length > 6 ? 35 : 0 } },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{ type: "bar", name: "按期结案率", data: rows.map((r) => r.value),
      label: { show: true, position: "top", formatter: (p) => (p.value === null || p.value === undefined ? "" : p.value + "%") } }],
  });
}

function pie(el, rows) {
  if (!rows.length) return noData(el);
  draw(el, {
    tooltip: { trigger: "item", renderMode: "richText" },
    legend: { type: "scroll", bottom: 0 },
    series: [{ type: "pie", radius: ["28%", "52%"], center: ["50%", "45%"], data: rows,
      label: { formatter: "{b}：{c}", overflow: "none" } }],
  });
}

function bars(el, rows) {
  if (!rows.length) return noData(el);
  draw(el, {
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: rows.map((r) => r.name) },
    series: [{ type: "bar", name: "受理", data: rows.map((r) => r.value), label: { show: true, position: "right" } }],
  });
}

function inspectors(el, rows) {
  if (!rows.length) return noData(el);
  draw(el, {
    legend: { top: 0 },
    xAxis: { type: "category", data: rows.map((r) => r.name), axisLabel: { interval: 0, rotate: rows.length > 6 ? 35 : 0 } },
    yAxis: { type: "value", minInterval: 1, name: "天" },
    series: [
      { type: "bar", name: "有效巡查天数", data: rows.map((r) => r.valid_days) },
      { type: "line", name: "目标天数", step: "middle", symbol: "none", lineStyle: { type: "dashed", color: "#b00020" },
        itemStyle: { color: "#b00020" }, data: rows.map((r) => r.target_days) },
    ],
  });
}

function campaign(el, progress) {
  const rows = progress ? progress.counties : [];
  if (!rows.length) return noData(el);
  const stages = [["surveyed", "已排查"], ["rectifying", "整改中"], ["accepted", "已验收"], ["closed", "已销号"]];
  draw(el, {
    legend: { top: 0 },
    xAxis: { type: "category", data: rows.map((r) => r.name) },
    yAxis: { type: "value", minInterval: 1, name: "站点" },
    series: [{ type: "bar", name: "站点数", data: rows.map((r) => r.sites), itemStyle: { color: "#c9d1d9" } },
      ...stages.map(([key, name]) => ({ type: "bar", name, data: rows.map((r) => r[key]) }))],
  });
}

async function trend(el) {
  const response = await fetch(data.trend_url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(data.trend_url + " answered " + response.status);
  const t = await response.json();
  draw(el, {
    legend: { top: 0 },
    xAxis: { type: "category", data: t.months },
    yAxis: { type: "value", minInterval: 1, name: "件" },
    series: [{ type: "line", name: "受理", data: t.received }, { type: "line", name: "结案", data: t.closed },
      { type: "line", name: "月末超期未结", data: t.overdue_open, itemStyle: { color: "#b00020" } }],
  });
}

const DRAW = {
  counties: (el) => pctBars(el, data.counties),
  units: (el) => pctBars(el, data.units),
  sources: (el) => pie(el, data.sources),
  categories: (el) => bars(el, data.categories),
  inspectors: (el) => inspectors(el, data.inspectors),
  trend: (el) => trend(el),
  campaign: (el) => campaign(el, data.campaigns.find((c) => String(c.id) === el.dataset.campaignId)),
};

for (const el of document.querySelectorAll("[data-chart]")) {
  Promise.resolve(DRAW[el.dataset.chart](el)).catch((error) => {
    el.dataset.drawn = "failed";
    el.textContent = "图表加载失败，请刷新页面。";
    throw error;
  });
}
window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
