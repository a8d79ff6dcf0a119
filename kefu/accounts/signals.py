from django.contrib.auth.signals import user_logged_in
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
