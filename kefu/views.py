from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page is the conversation list (every role has one, possibly empty)."""
    return redirect("interactions:conversation_list")


@csrf_exempt  # nothing is written; a POST to a wrong URL gets the 404 too, not a CSRF page
def api_not_found(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"detail": _("Not Found")}, status=404)
