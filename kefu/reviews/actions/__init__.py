"""Every write of human QA: validate, then do, audit and notify.

Refusals raise `kefu.interactions.actions` errors (NotAllowed 403, Invalid 422,
Conflict 409), which the API answers as `{"detail": …}` and the pages show as messages.
One module per part of the workflow; callers keep `from kefu.reviews import actions`.
"""

from kefu.reviews.actions._common import (
    AUDIT,
    MAX_SECONDS_PER_SAVE,
    NEGATIVE_INDICATORS,
    open_reviews_of,
    qa_specialists,
    scorecard_of,
)
from kefu.reviews.actions.appeals import (
    appeal_deadline,
    appeal_window,
    decide_appeal,
    file_appeal,
    may_appeal,
    withdraw_appeal,
)
from kefu.reviews.actions.bulk import (
    BulkResult,
    bulk_assign,
)
from kefu.reviews.actions.calibration import (
    close_session,
    create_session,
    record_agreed,
    submit_calibration,
)
from kefu.reviews.actions.reviewing import (
    save_review,
)
from kefu.reviews.actions.sampling import (
    assign,
    candidates_for,
    create_review,
    reassign,
    rules_of,
    run_plan,
    save_plan,
    save_settings,
)

__all__ = [
    "AUDIT",
    "MAX_SECONDS_PER_SAVE",
    "NEGATIVE_INDICATORS",
    "BulkResult",
    "appeal_deadline",
    "appeal_window",
    "assign",
    "bulk_assign",
    "candidates_for",
    "close_session",
    "create_review",
    "create_session",
    "decide_appeal",
    "file_appeal",
    "may_appeal",
    "open_reviews_of",
    "qa_specialists",
    "reassign",
    "record_agreed",
    "rules_of",
    "run_plan",
    "save_plan",
    "save_review",
    "save_settings",
    "scorecard_of",
    "submit_calibration",
    "withdraw_appeal",
]
