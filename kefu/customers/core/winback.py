"""Win-back lists: who is contacted, who is held back, and whether contacting helped.

- **Split** (`group_of`): each member of a campaign falls in the *control* group (held
  back: not contacted) when a hash of (campaign id, customer id) lands below the control
  share, else in the *contact* group. Deterministic (the same campaign and customer, the
  same group, on any machine), independent of the order of the list, and unrelated to
  anything about the customer, so the two groups differ by chance only.
- **Came back**: a member came back if they have a conversation (an order is recorded on
  its conversation) created within `window_days` after the campaign start. Measured from
  the data, never typed by an agent.
- **Rate** per group: came back ÷ members, with its 95 % Wilson interval.
- **Lift**: contact rate − control rate (percentage points), with Newcombe's hybrid score
  interval, and relative lift (contact ÷ control − 1) when the control rate is above 0.
  The verdict says "not distinguishable" whenever the difference's interval holds 0,
  claims no direction at all when a group has fewer than `MIN_GROUP` members (an
  interval's coverage is unreliable with so few), and a control group under
  `SMALL_GROUP` members is flagged as small (wide intervals).

Pure Python.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kefu.core.intervals import Estimate, newcombe, wilson

CONTACT = "contact"
CONTROL = "control"
DEFAULT_CONTROL_SHARE = 0.10
DEFAULT_WINDOW_DAYS = 30
SMALL_GROUP = 30  # a control group under this many members gives a wide interval
MIN_GROUP = 10  # under this many in either group no direction is claimed at all

# verdicts of `compare`
NO_CONTROL = "no_control"  # nobody held back: no lift can be measured
NO_CONTACT = "no_contact"  # nobody in the contact group
TOO_FEW = "too_few"  # a group under MIN_GROUP: intervals of so few are not to be trusted
NOT_DISTINGUISHABLE = "not_distinguishable"  # the difference's interval holds 0
HIGHER = "higher"  # the contact group came back more often
LOWER = "lower"  # … less often


def split_point(campaign_id: int, customer_id: int) -> float:
    """A number in [0, 1) from the pair, uniform over customers (SHA-256)."""
    digest = hashlib.sha256(f"winback:{campaign_id}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def group_of(campaign_id: int, customer_id: int, control_share: float) -> str:
    if not 0 <= control_share < 1:
        raise ValueError(f"control_share must be within [0, 1), got {control_share}")
    return CONTROL if split_point(campaign_id, customer_id) < control_share else CONTACT


@dataclass(frozen=True, slots=True)
class Comparison:
    contact: Estimate  # the contact group's come-back rate and interval
    control: Estimate
    difference: Estimate  # contact − control (fraction points) with Newcombe's interval
    relative: float | None  # contact ÷ control − 1; None when control is 0 or empty
    verdict: str
    small_control: bool


def compare(contact_back: int, contact_n: int, control_back: int, control_n: int) -> Comparison:
    """The come-back rates of the two groups and the lift of contacting."""
    contact = wilson(contact_back, contact_n)
    control = wilson(control_back, control_n)
    difference = newcombe(contact_back, contact_n, control_back, control_n)
    relative = None
    if contact.value is not None and control.value:
        relative = contact.value / control.value - 1
    if control_n == 0:
        verdict = NO_CONTROL
    elif contact_n == 0:
        verdict = NO_CONTACT
    elif min(contact_n, control_n) < MIN_GROUP:
        verdict = TOO_FEW
    elif difference.low is not None and difference.low > 0:
        verdict = HIGHER
    elif difference.high is not None and difference.high < 0:
        verdict = LOWER
    else:
        verdict = NOT_DISTINGUISHABLE
    return Comparison(
        contact=contact,
        control=control,
        difference=difference,
        relative=relative,
        verdict=verdict,
        small_control=0 < control_n < SMALL_GROUP,
    )
