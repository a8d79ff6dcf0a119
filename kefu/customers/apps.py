from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kefu.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        # The import hook, live ingest and QA scoring reach the risk index through the
        # signals the lower apps send (they never import this app).
        # Who sees which rows (kefu.accounts.access): a customer's risk and tags with the
        # customer; tag definitions are a catalogue; back-tests are department figures;
        # win-back campaigns are seen through their members.
        from kefu.accounts import access
        from kefu.accounts.roles import MANAGE_RISK, VIEW_ALL
        from kefu.customers import receivers  # noqa: F401
        from kefu.customers.models import (
            Backtest,
            CustomerRisk,
            CustomerTag,
            Tag,
            TagGroup,
            WinbackCampaign,
            WinbackMember,
        )

        for model in (CustomerRisk, CustomerTag):
            access.register(model, agent=None, team=None, custom=access.customer_part_rows)
        for model in (Tag, TagGroup):
            access.register(model, agent=None, team=None, custom=access.catalogue(MANAGE_RISK))
        access.register(
            Backtest,
            agent=None,
            team=None,
            policies={
                access.VIEW: access.Policy(all=VIEW_ALL),
                access.CHANGE: access.Policy(all=MANAGE_RISK),
            },
        )
        # Win-back: managers of the risk index every campaign and member; agents the
        # members assigned to them, supervisors their teams' (recording an outcome too).
        access.register(WinbackCampaign, agent=None, team=None, custom=access.winback_campaign_rows)
        members = access.Policy(all=MANAGE_RISK)
        access.register(
            WinbackMember,
            team="agent__team_id",
            policies={access.VIEW: members, access.CHANGE: members},
        )
        from kefu.customers.models import PendingRisk
        from kefu.ops.prom import register_backlog

        register_backlog("customer_risk", PendingRisk.objects.count)
