from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionsConfig(AppConfig):
    name = "kefu.interactions"
    label = "interactions"
    verbose_name = _("Interactions")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from kefu.interactions.models import PersonalKey
        from kefu.interactions.personal import forget_declared_paths

        def forget(**kwargs) -> None:
            forget_declared_paths()

        post_save.connect(forget, sender=PersonalKey, weak=False)
        post_delete.connect(forget, sender=PersonalKey, weak=False)

        # URL converters for external ids (<extid:…>, {apiid:…}), before any URLconf loads.
        # Who sees which rows (kefu.accounts.access): conversations by agent and team.
        from kefu.accounts import access
        from kefu.accounts.roles import INGEST
        from kefu.interactions import converters  # noqa: F401
        from kefu.interactions.models import (
            Conversation,
            Customer,
            Message,
            SavedView,
            Transfer,
        )

        access.register(
            Conversation,
            policies={
                access.VIEW: access.CONVERSATION_VIEW,
                access.MONITOR: access.MONITORING,
                # adding messages: ingesting systems to any, an agent to their own only
                access.CHANGE: access.Policy(all=INGEST, teams=False),
            },
            like_conversations=True,
        )
        access.register(Customer, agent=None, team=None, custom=access.customer_rows)
        for part in (Message, Transfer):  # seen with their conversation
            access.register(part, follow=("conversation", Conversation))
        # a saved view of the list is its owner's alone (every action)
        access.register(SavedView, agent=None, team=None, custom=_own_rows)


def _own_rows(queryset, user, action):
    """The user's own rows (an inactive or anonymous user has none)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    return queryset.filter(user_id=user.pk)
