"""The console as a Flask blueprint outside the API (`flask_blueprints`, registered by the app factory)."""
import reporter.console.admin  # noqa: F401  (part 2: administration)
import reporter.console.audit  # noqa: F401  (part 2: the audit log and a case's history)
import reporter.console.bulletin  # noqa: F401  (part 2: the monthly bulletin)
import reporter.console.rechecks  # noqa: F401  (part 2: 回头看)
import reporter.console.registers  # noqa: F401  (part 2: registers and campaigns)
import reporter.console.rewards  # noqa: F401  (part 2: the reward desk)
import reporter.console.rlist  # noqa: F401  (part 2: the responsibility list)
import reporter.console.typical  # noqa: F401  (part 2: typical cases)
from reporter.console import views  # noqa: F401  (the pages register themselves on the blueprint)
from reporter.console.pages import bp

flask_blueprints = [bp]
