"""Changes made in the admin (users, roles, teams, agent links…) go to the audit trail."""

from django.contrib.admin.models import LogEntry
from django.db.models.signals import post_save
from django.dispatch import receiver

from kefu.audit.actions import record
from kefu.audit.models import AuditAction


@receiver(post_save, sender=LogEntry)
def audit_admin_change(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    if not created:
        return
    record(
        AuditAction.CHANGE_SETTINGS,
        user=instance.user,
        object_type=instance.content_type.model if instance.content_type_id else "",
        object_id=instance.object_id or "",
        detail={"object": instance.object_repr, "change": instance.get_change_message()},
    )
