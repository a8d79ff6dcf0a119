"""Scorecard templates per tier: indicators, weights, targets; versioned."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from kefu.accounts.access import restrict
from kefu.performance.models import Template


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    templates = restrict(Template.objects.prefetch_related("indicators"), request.user)
    return render(
        request, "performance/templates/list.html", {"tab": "templates", "templates": templates}
    )


urls = [path("scorecards/", template_list, name="templates")]
