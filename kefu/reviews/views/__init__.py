"""Human-QA pages. Views parse, call an action (kefu.reviews.actions) or a selector, and
render; every query set comes from `kefu.reviews.selectors`, so an object outside the
user's scope is 404, and a refused action is shown as a message."""

from kefu.reviews.views.appeals import (
    appeal_create,
    appeal_detail,
    appeal_list,
)
from kefu.reviews.views.bulk import (
    bulk_assign,
)
from kefu.reviews.views.calibration import (
    session_close,
    session_detail,
    session_item,
    session_list,
    session_new,
)
from kefu.reviews.views.lists import (
    home,
    queue,
    review_list,
)
from kefu.reviews.views.report import (
    default_report_period,
    report,
    settings_view,
)
from kefu.reviews.views.reviewing import (
    reassign,
    review_conversation,
    review_detail,
    review_new,
)
from kefu.reviews.views.sampling import (
    plan_edit,
    plan_list,
    plan_run,
)

__all__ = [
    "appeal_create",
    "appeal_detail",
    "appeal_list",
    "bulk_assign",
    "default_report_period",
    "home",
    "plan_edit",
    "plan_list",
    "plan_run",
    "queue",
    "reassign",
    "report",
    "review_conversation",
    "review_detail",
    "review_list",
    "review_new",
    "session_close",
    "session_detail",
    "session_item",
    "session_list",
    "session_new",
    "settings_view",
]
