"""The shipped service-level policies as pure data (the same targets as the seeding
migration `sla/0002`; a test keeps them equal). Used where no database is read:
`kefu qa score` and the QA engine when it is given no policies."""

from __future__ import annotations

from kefu.sla.core.policies import Policy

DEFAULT_POLICIES: tuple[Policy, ...] = (
    Policy(-1, 1, "在线客服", "chat", first_response_s=30.0, next_response_s=60.0),
    Policy(-2, 1, "App 客服", "app", first_response_s=30.0, next_response_s=60.0),
    Policy(-3, 1, "电话客服", "phone", first_response_s=20.0),
    Policy(-4, 1, "邮件客服", "email", first_response_s=86400.0, next_response_s=86400.0),
)
