from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def create_role_groups(sender, **kwargs) -> None:
    """Keep the role groups in sync after every app's migrations: permissions of apps
    migrated after `accounts` only exist once their own post_migrate has run."""
    from kefu.accounts.roles import ensure_roles

    ensure_roles()


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    from kefu.audit.actions import record
    from kefu.audit.models import AuditAction

    record(AuditAction.LOGIN, user=user, request=request)


# What a failed log-in records: the name that was tried (never the password) and the
# address. The tried name may be anything, so it is cut to the field's length.
def _tried_username(value) -> str:
    return str(value or "")[:100]


@receiver(user_login_failed)
def audit_login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    from kefu.audit.actions import record
    from kefu.audit.models import AuditAction

    if request is not None and getattr(request, "axes_locked_out", False):
        return  # recorded as LOCKED_OUT (audit_locked_out)
    username = _tried_username(credentials.get("username"))
    record(
        AuditAction.LOGIN_FAILED,
        request=request,
        actor="anonymous",
        object_type="user",
        object_id=username,
        detail={"username": username, "path": request.path[:200] if request else ""},
    )


@receiver(user_locked_out)
def audit_locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    from kefu.audit.actions import record
    from kefu.audit.models import AuditAction

    name = _tried_username(username)
    cooloff = settings.AXES_COOLOFF_TIME
    record(
        AuditAction.LOCKED_OUT,
        request=request,
        actor="anonymous",
        object_type="user",
        object_id=name,
        detail={
            "username": name,
            "failures": getattr(request, "axes_failures_since_start", None),
            "cooloff_minutes": cooloff.total_seconds() / 60 if cooloff else None,
            "path": request.path[:200] if request is not None else "",
        },
    )
