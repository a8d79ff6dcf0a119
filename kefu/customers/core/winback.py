"""Win-back lists: who is contacted, who is held back, and whether contacting helped.

- **Split** (`group_of`): each member of a campaign falls in the *control* group (held
  back: not contacted) when a hash of (campaign id, customer id) lands below the control
  share, else in the *contact* group. Deterministic (the same campaign and customer, the
  same group, on any machine), independent of the order of the list, and unrelated to
  anything about the customer, so the two groups differ by chance only.
- **Came back**: a member came back if they *started* a conversation (an order is
  recorded on its conversation) created within `window_days` after the campaign start
  (`started_by_customer`): the outreach itself, logged as a conversation of the member,
  is not the member coming back. Measured from the data, never typed by an agent, by the
  same rule for both groups.
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

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


OUTBOUND = "outbound"  # a record's `extra.direction` when the department started it
PHONE = "phone"  # a call's transcript does not say who dialled


@dataclass(frozen=True, slots=True)
class Visit:
    """A member's conversation in the window, as far as "came back" reads it."""

    customer_id: int
    day: date  # created, local
    channel: str
    agent_id: int | None
    customer_wrote: bool  # the customer wrote or spoke in it at all
    agent_first: bool = False  # an agent's message came before the customer's first
    outbound: bool = False  # the record says the department started it


@dataclass(frozen=True, slots=True)
class Outreach:
    """A contact member's recorded contact: the local day it was recorded and the agents
    who may have made it (the member's agent, the one who recorded it)."""

    day: date
    agents: frozenset[int] = field(default_factory=frozenset)


def started_by_customer(visit: Visit, outreach: Outreach | None = None) -> bool:
    """Whether the conversation is the member coming back rather than the outreach:

    - not when its record says the department started it (`extra.direction` outbound);
    - not when the customer never wrote or spoke in it;
    - chat, app, e-mail: the customer wrote before any agent did (an agent writing
      first is the department reaching out);
    - phone (agents speak first on every call): not a call with an agent of the
      member's outreach on the day the outcome was recorded — that call is the outreach.
    """
    if visit.outbound or not visit.customer_wrote:
        return False
    if visit.channel != PHONE:
        return not visit.agent_first
    return not (
        outreach is not None and visit.day == outreach.day and visit.agent_id in outreach.agents
    )


def came_back(visits: Iterable[Visit], outreaches: Mapping[int, Outreach]) -> set[int]:
    """The customers (ids) with a conversation they started (`outreaches`: by customer
    id, the contact group's recorded contacts; control members have none)."""
    return {v.customer_id for v in visits if started_by_customer(v, outreaches.get(v.customer_id))}


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
