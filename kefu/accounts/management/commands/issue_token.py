from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.accounts.models import ApiToken
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction


class Command(BaseCommand):
    help = (
        "Issue a REST API token for USERNAME and print it once (only its hash is stored). "
        "--list shows the user's tokens; --revoke PREFIX revokes one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'CRM sync'")
        parser.add_argument("--list", action="store_true", help="list the user's tokens")
        parser.add_argument("--revoke", metavar="PREFIX", help="revoke the token with this prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: options["username"]})
        except user_model.DoesNotExist:
            raise CommandError(f"no user {options['username']!r}") from None
        tokens = ApiToken.objects.filter(user=user)
        if options["list"]:
            for t in tokens.order_by("created_at"):
                state = "revoked" if t.revoked else "active"
                used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
                self.stdout.write(f"{t.prefix}  {state:7}  last used {used}  {t.name}")
            return
        if options["revoke"]:
            count = tokens.filter(prefix=options["revoke"], revoked=False).update(revoked=True)
            if not count:
                raise CommandError(f"no active token {options['revoke']!r} for {user}")
            self.stderr.write(f"revoked {count} token(s)")
            return
        if not user.is_active:
            raise CommandError(f"user {user} is not active")
        name = options["name"].strip()
        if not name:
            raise CommandError("--name is required (what the token is for)")
        token, raw = ApiToken.issue(user, name)
        audit(
            AuditAction.ISSUE_TOKEN,
            actor="cli",
            object_type="api_token",
            object_id=token.prefix,
            detail={"name": name, "for": user.get_username()},
        )
        self.stderr.write(f"token {name!r} for {user} (prefix {token.prefix}); shown only once:")
        self.stdout.write(raw)
