"""Review cycles: the list, a cycle's ranking, an agent's review and its evidence."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kefu.accounts.access import restrict
from kefu.performance.models import Cycle


@login_required
def home(request: HttpRequest) -> HttpResponse:
    cycles = restrict(Cycle.objects.all(), request.user)
    return render(request, "performance/cycles/list.html", {"tab": "cycles", "cycles": cycles})


urls: list = []
