"""Page objects of the registers and campaigns pages (the browser stories and screenshots read like an official's
work: open a kind's register, import a sheet, record a campaign step)."""
from tests.console.browser import Official


class SiteImport:
    """导入…台账: 检查 a sheet, read its bad rows, 确认导入."""

    def __init__(self, official: Official, kind: str):
        self.official, self.page = official, official.page
        official.visit(f"/console/registers/kinds/{kind}/import")

    def check(self, path: str) -> "SiteImport":
        self.page.get_by_label("Excel 文件（.xlsx）").set_input_files(path)
        self.page.get_by_role("button", name="检查").click()
        self.page.wait_for_load_state("load")
        self.official.browser.check_accessibility(self.page)
        return self

    def bad_rows(self) -> list[str]:
        rows = self.page.locator("#import-errors tr[data-row]")
        return [rows.nth(i).get_attribute("data-row") for i in range(rows.count())]

    def plan(self) -> str:
        return self.page.locator("#import-plan").inner_text()

    def commit(self) -> None:
        self.page.get_by_role("button", name="确认导入").click()
        self.page.wait_for_load_state("load")
        self.official.browser.check_accessibility(self.page)


class CampaignSite:
    """A site's steps in a campaign: what is recorded, and the form of the next step."""

    def __init__(self, official: Official, campaign_id: int, site_id: int):
        self.official, self.page = official, official.page
        official.visit(f"/console/registers/campaigns/{campaign_id}/sites/{site_id}")

    def steps(self) -> list[str]:
        return self.page.locator("#steps li[data-step] strong").all_inner_texts()

    def record(self, step: str, *, fields: dict | None = None, photos: tuple = ()) -> "CampaignSite":
        form = self.page.locator("details.action", has=self.page.get_by_text(step, exact=True))
        if not form.evaluate("details => details.open"):
            form.locator("summary").click()
        for label, value in (fields or {}).items():
            form.get_by_label(label).fill(value)
        if photos:
            form.get_by_label(photos[0]).set_input_files(list(photos[1:]))
        form.get_by_role("button", name=f"记录{step}").click()
        self.page.wait_for_load_state("load")
        self.official.browser.check_accessibility(self.page)
        return self
