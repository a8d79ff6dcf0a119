from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def create_role_groups(sender, **kwargs) -> None:
    if getattr(sender, "label", None) == "accounts":
        from kefu.accounts.roles import ensure_roles

        ensure_roles()
