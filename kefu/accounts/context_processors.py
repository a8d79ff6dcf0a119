from django.conf import settings
from django.http import HttpRequest

from kefu.accounts.roles import user_roles


def roles(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"kefu_roles": set(), "kefu_role_labels": []}
    names = user_roles(user)
    return {
        "kefu_roles": names,
        "kefu_role_labels": [
            label for key, label in settings.KEFU_ROLE_LABELS.items() if key in names
        ],
    }
