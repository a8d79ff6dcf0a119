"""Training pages: courses."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "training/placeholder.html", {"tab": "courses"})


urls = [
    path("courses/", index, name="courses"),
]
