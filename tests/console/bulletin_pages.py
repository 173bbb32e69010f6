"""Page object of the monthly bulletin (月通报) for the browser stories and the screenshots."""
from tests.console.browser import Official

# Pixels of a chart's canvas that are not transparent (ECharts draws on a transparent canvas).
INKED = """el => { const c = el.querySelector('canvas'); if (!c) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""


class BulletinPage:
    def __init__(self, official: Official):
        self.official, self.page = official, official.page

    @classmethod
    def open(cls, official: Official, path: str = "/console/bulletin") -> "BulletinPage":
        official.visit(path)
        return cls(official)

    def pick(self, month: str, county: str | None = None) -> "BulletinPage":
        """Choose the month (and the county, by name) in the pickers and show that bulletin."""
        self.page.get_by_label("月份", exact=True).fill(month)
        if county:
            self.page.get_by_role("combobox", name="区县", exact=True).select_option(label=county)
        self.page.get_by_role("button", name="查看").click()
        self.page.wait_for_load_state("load")
        self.official.browser.check_accessibility(self.page)
        return self

    def charts_drawn(self) -> dict[str, int]:
        """Once every chart has drawn (or said it has no data): chart name → inked pixels of its canvas."""
        self.page.wait_for_function("""() => [...document.querySelectorAll('[data-chart]')]
            .every(el => el.dataset.drawn === 'true' || el.dataset.drawn === 'empty')""", timeout=15000)
        out = {}
        charts = self.page.locator("[data-chart]")
        for i in range(charts.count()):
            el = charts.nth(i)
            name = el.get_attribute("data-chart") + (el.get_attribute("data-campaign-id") or "")
            out[name] = el.evaluate(INKED)
        return out

    def table(self, name: str) -> list[dict]:
        """A table as {field: text} rows."""
        return self.page.locator(f'table[data-table="{name}"] tbody tr').evaluate_all(
            """rows => rows.filter(r => r.querySelector('td[data-field]')).map(r => Object.fromEntries(
                [...r.querySelectorAll('td')].map(td => [td.dataset.field, td.innerText.trim()])))""")
