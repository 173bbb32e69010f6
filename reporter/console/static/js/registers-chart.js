// The campaign page's chart (ECharts, vendored): per county, sites, surveyed, accepted, closed and overdue, from the
// figures the page's table shows (data-chart, JSON written by the server). No inline script: this module reads it.
/* global echarts */
const COLORS = ["#5b6670", "#0a4f8a", "#3a7d44", "#0b5d3b", "#b00020"];

for (const el of document.querySelectorAll(".chart[data-chart]")) {
  const data = JSON.parse(el.dataset.chart);
  const chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    color: COLORS,
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.counties },
    yAxis: { type: "value", minInterval: 1 },
    series: data.series.map((s) => ({ name: s.name, type: "bar", data: s.data })),
  });
  window.addEventListener("resize", () => chart.resize());
  el.dataset.drawn = "true";
}
