"""Version 1 of the privacy notice (隐私政策), published when no version exists yet."""
from sqlalchemy import select

from reporter.extensions import db
from reporter.privacy.models import PrivacyNotice

TABLES = {"privacy_notices"}

TITLE = "安康市秦岭生态环境保护有奖举报小程序隐私政策"
BODY = """\
本政策说明安康市秦岭生态环境保护委员会办公室（以下简称"我们"）在有奖举报小程序中如何处理您的个人信息。

一、我们收集的信息及目的
1. 微信登录标识（openid）：用于识别您的账号、向您发送办理进度通知。
2. 举报内容、照片及其拍摄时间和位置：用于核实、派遣和办理您举报的问题。
3. 联系人姓名和电话（实名举报时自愿提供）：仅用于办理人员必要时与您联系；匿名举报不收集。
4. 领取奖励时的真实姓名、身份证号码和收款账户：仅用于发放奖励及依法保存财务凭证。

二、我们如何保护和使用
联系方式和收款信息加密存储；承办单位看不到您的身份、联系方式和相机信息；查看举报人身份须说明理由并留痕。
我们不会将您的个人信息用于举报办理和奖励发放以外的目的，也不会向无关第三方提供。

三、保存期限
结案后的联系方式、通知记录、巡查原始轨迹等按系统公布的期限到期自动删除；已发放奖励的收款记录按会计档案管理规定保存。

四、您的权利
您可以在小程序中查看和复制（下载）我们保存的您的个人信息，也可以注销账号。注销后您的微信标识和联系方式将被删除，
实名举报转为匿名保存；案件及其证据作为公共利益记录保留，已发放奖励的收款记录依法保留。

五、联系我们
对本政策有疑问，请通过小程序"意见反馈"或拨打12345热线联系我们。
"""


def load() -> str:
    """Publish version 1 when no notice exists (idempotent)."""
    if db.session.execute(select(PrivacyNotice.id).limit(1)).first() is not None:
        return "privacy notice present"
    db.session.add(PrivacyNotice(version=1, title=TITLE, body=BODY, summary_of_changes="首次发布"))
    db.session.flush()
    return "privacy notice version 1 published"
