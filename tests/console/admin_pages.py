"""Page objects of the administration and audit pages, for the browser stories and the screenshots."""
from tests.console.browser import Official


def sign_in(official: Official, username: str, password: str, *, lands: str | None = None) -> Official:
    """Sign in where the first page of the menu is not 我的待办 (an admin lands on 账号管理)."""
    return official.sign_in(username, password, lands=lands)


def submit(official: Official, button: str, *, within=None) -> None:
    """Press a form's button, wait for the next page and check it."""
    (within or official.page).get_by_role("button", name=button).click()
    official.page.wait_for_load_state("load")
    official.browser.check_accessibility(official.page)


def notice(official: Official) -> str:
    alert = official.page.locator("[role=alert], [role=status]")
    return alert.first.inner_text() if alert.count() else ""


def create_account(admin: Official, *, username: str, password: str, name: str, role: str, unit: str) -> None:
    admin.visit("/console/admin/users")
    admin.page.get_by_role("link", name="新建账号").click()
    admin.page.wait_for_load_state("load")
    admin.browser.check_accessibility(admin.page)
    admin.page.get_by_label("用户名").fill(username)
    admin.page.get_by_label("初始密码").fill(password)
    admin.page.get_by_label("姓名").fill(name)
    admin.page.get_by_label(role, exact=True).check()
    admin.page.get_by_label("单位（").select_option(label=unit)
    submit(admin, "新建账号", within=admin.page.locator("#account-form"))


def load_year(admin: Official, path: str) -> None:
    admin.visit("/console/admin/workdays")
    admin.page.get_by_label("节假日文件").set_input_files(path)
    submit(admin, "导入")


def year_source(admin: Official, year: int) -> str:
    return admin.page.locator(f"tr[data-year='{year}'] td.source").inner_text()
