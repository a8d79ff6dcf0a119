"""Role → permission map. Roles are Django groups; `ensure_roles` keeps them in sync."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kefu.accounts.choices import Role
from kefu.audit.models import VIEW_AUDIT

VIEW_ALL = "interactions.view_all_conversations"
VIEW_PERSONAL_DATA = "interactions.view_personal_data"
IMPORT = "interactions.import_conversations"
EXPORT = "interactions.export_conversations"
INGEST = "interactions.ingest_conversations"
MANAGE_PEOPLE = "accounts.change_agent"
# Users, their roles, teams and API tokens: the people-and-access pages (/people/).
MANAGE_USERS = "auth.change_user"
# Declaring which extra (unknown) keys of the records hold personal data.
MANAGE_PERSONAL_KEYS = "interactions.change_personalkey"
# KPI targets, benchmark sets and improvement actions (one permission for the settings
# that shape how figures are judged).
MANAGE_KPI_SETTINGS = "metrics.change_target"
# QA definitions: indicators (rules), lexicons and scorecards.
MANAGE_QA = "qa.change_scorecard"
# Workforce planning: forecast events, staffing parameters, shift templates, rosters.
MANAGE_WORKFORCE = "workforce.change_roster"
# Live monitoring of every team (supervisors watch the teams they supervise without it).
MONITOR_ALL = "monitoring.monitor_all"
# Human QA (kefu.reviews): reviewing, sampling plans / assignment / calibration, seeing
# every review, deciding any team's appeals, the efficiency report, the settings.
REVIEW = "reviews.review_conversations"
MANAGE_SAMPLING = "reviews.manage_sampling"
VIEW_ALL_REVIEWS = "reviews.view_all_reviews"
DECIDE_ANY_APPEAL = "reviews.decide_any_appeal"
VIEW_QA_EFFICIENCY = "reviews.view_qa_efficiency"
MANAGE_REVIEW_SETTINGS = "reviews.change_reviewsettings"
# Training (kefu.training): courses, sessions, exams, scenarios, assignment rules, grading;
# and seeing every agent's training record.
MANAGE_TRAINING = "training.manage_training"
VIEW_ALL_TRAINING = "training.view_all_training"
# Performance (kefu.performance): templates, cycles, calibration, the promotion pool; and
# seeing every agent's review.
MANAGE_PERFORMANCE = "performance.manage_performance"
VIEW_ALL_PERFORMANCE = "performance.view_all_performance"
# Customers (kefu.customers): the risk index's weights, tag definitions and back-tests;
# putting manual tags on the customers one sees.
MANAGE_RISK = "customers.manage_risk"
TAG_CUSTOMERS = "customers.tag_customers"
# Routing (kefu.assignment): its settings, rules and the agents' skills and capacity.
# Queues and reassigning follow live monitoring (supervisors their teams, MONITOR_ALL all).
MANAGE_ROUTING = "assignment.manage_routing"
# Complaint root cause (kefu.improvement): the taxonomy, correcting classifications,
# analyses and projects. Complaints themselves are seen like their conversations.
MANAGE_IMPROVEMENT = "improvement.manage_improvement"
# Knowledge base (kefu.knowledge): the knowledge owners review, publish and archive
# articles and resolve change requests. Everyone signed in with a role reads the published
# articles, writes drafts and asks for changes.
MANAGE_KNOWLEDGE = "knowledge.manage_knowledge"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENT: [TAG_CUSTOMERS],
    Role.SUPERVISOR: [TAG_CUSTOMERS],
    Role.QA: [
        VIEW_ALL,
        EXPORT,
        MANAGE_QA,
        REVIEW,
        MANAGE_SAMPLING,
        VIEW_ALL_REVIEWS,
        MANAGE_IMPROVEMENT,
        MANAGE_KNOWLEDGE,
    ],
    Role.TRAINER: [VIEW_ALL, VIEW_ALL_REVIEWS, MANAGE_TRAINING, VIEW_ALL_TRAINING],
    Role.MANAGER: [
        VIEW_ALL,
        VIEW_PERSONAL_DATA,
        IMPORT,
        EXPORT,
        INGEST,
        MANAGE_KPI_SETTINGS,
        MANAGE_SAMPLING,
        VIEW_ALL_REVIEWS,
        DECIDE_ANY_APPEAL,
        VIEW_QA_EFFICIENCY,
        MANAGE_REVIEW_SETTINGS,
        MANAGE_WORKFORCE,
        MONITOR_ALL,
        VIEW_ALL_TRAINING,
        MANAGE_PERFORMANCE,
        VIEW_ALL_PERFORMANCE,
        MANAGE_RISK,
        TAG_CUSTOMERS,
        MANAGE_ROUTING,
        MANAGE_IMPROVEMENT,
        MANAGE_KNOWLEDGE,
    ],
    Role.ADMIN: [
        VIEW_ALL,
        VIEW_PERSONAL_DATA,
        IMPORT,
        EXPORT,
        INGEST,
        VIEW_AUDIT,
        MANAGE_PEOPLE,
        MANAGE_PERSONAL_KEYS,
        MANAGE_KPI_SETTINGS,
        MANAGE_QA,
        MANAGE_WORKFORCE,
        MONITOR_ALL,
        REVIEW,
        MANAGE_SAMPLING,
        VIEW_ALL_REVIEWS,
        DECIDE_ANY_APPEAL,
        VIEW_QA_EFFICIENCY,
        MANAGE_REVIEW_SETTINGS,
        MANAGE_TRAINING,
        VIEW_ALL_TRAINING,
        MANAGE_PERFORMANCE,
        VIEW_ALL_PERFORMANCE,
        MANAGE_RISK,
        TAG_CUSTOMERS,
        MANAGE_ROUTING,
        MANAGE_IMPROVEMENT,
        MANAGE_KNOWLEDGE,
        "accounts.add_agent",
        "accounts.view_agent",
        "accounts.change_team",
        "accounts.add_team",
        "auth.change_user",
        "auth.add_user",
        "auth.view_user",
        # Unlocking a locked log-in in the admin (django-axes: delete the attempt).
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
    ],
}


# What each permission lets its holders do, in the words of the roles page (/people/roles/).
PERMISSION_LABELS: dict[str, Promise] = {
    VIEW_ALL: _("See every conversation (not only their own or their teams')"),
    VIEW_PERSONAL_DATA: _("See customers' personal data unmasked (audited)"),
    IMPORT: _("Import conversations"),
    EXPORT: _("Export conversations"),
    INGEST: _("Send live conversations through the API"),
    VIEW_AUDIT: _("Read the audit log"),
    MANAGE_PEOPLE: _("Change agent records"),
    MANAGE_PERSONAL_KEYS: _("Declare which extra fields hold personal data"),
    MANAGE_KPI_SETTINGS: _("KPI targets, benchmarks and improvement actions"),
    MANAGE_QA: _("QA rules, lexicons and scorecards"),
    MANAGE_WORKFORCE: _("Workforce planning: forecasts, staffing, shifts, rosters"),
    MONITOR_ALL: _("Monitor every team's live conversations"),
    REVIEW: _("Review conversations (human QA)"),
    MANAGE_SAMPLING: _("Sampling plans, assignment and calibration"),
    VIEW_ALL_REVIEWS: _("See every QA review"),
    DECIDE_ANY_APPEAL: _("Decide any team's appeals"),
    VIEW_QA_EFFICIENCY: _("The QA efficiency report"),
    MANAGE_REVIEW_SETTINGS: _("Human QA settings"),
    MANAGE_TRAINING: _("Courses, sessions, exams and grading"),
    VIEW_ALL_TRAINING: _("See every agent's training record"),
    MANAGE_PERFORMANCE: _("Performance templates, cycles, calibration, promotion pool"),
    VIEW_ALL_PERFORMANCE: _("See every agent's performance review"),
    MANAGE_RISK: _("Customer risk weights, tag definitions and back-tests"),
    TAG_CUSTOMERS: _("Put manual tags on customers"),
    MANAGE_ROUTING: _("Routing settings, rules, skills and capacity"),
    MANAGE_IMPROVEMENT: _("Complaint taxonomy, classifications, analyses and projects"),
    MANAGE_KNOWLEDGE: _("Review, publish and archive knowledge articles"),
    "accounts.add_agent": _("Add agent records"),
    "accounts.view_agent": _("See agent records in the Django admin"),
    "accounts.change_team": _("Change teams"),
    "accounts.add_team": _("Add teams"),
    MANAGE_USERS: _("Manage users, roles, teams and API tokens"),
    "auth.add_user": _("Add users"),
    "auth.view_user": _("See users"),
    "axes.view_accessattempt": _("See failed log-ins"),
    "axes.delete_accessattempt": _("Unlock locked log-ins"),
}


def permission_matrix() -> list[tuple[str, Promise | str, list[bool]]]:
    """(permission, label, held by each role in Role order): the roles page's table."""
    seen: list[str] = []
    for perms in ROLE_PERMISSIONS.values():
        seen += [p for p in perms if p not in seen]
    roles = [role.value for role in Role]
    return [
        (perm, PERMISSION_LABELS.get(perm, perm), [perm in ROLE_PERMISSIONS[r] for r in roles])
        for perm in seen
    ]


def ensure_roles() -> None:
    """Create the role groups and give them exactly their permissions."""
    wanted = {p for perms in ROLE_PERMISSIONS.values() for p in perms}
    by_name: dict[str, Permission] = {}
    for perm in Permission.objects.select_related("content_type"):
        name = f"{perm.content_type.app_label}.{perm.codename}"
        if name in wanted:
            by_name[name] = perm
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([by_name[p] for p in perms if p in by_name])


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_kefu_roles"):
        roles = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            roles.add(Role.ADMIN)
        user._kefu_roles = roles
    return user._kefu_roles
