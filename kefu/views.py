from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page is the conversation list (every role has one, possibly empty)."""
    return redirect("interactions:conversation_list")
