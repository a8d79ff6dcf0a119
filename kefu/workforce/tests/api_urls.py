"""Test URLs: the site's, with the workforce router mounted under /api/v1/ the way
kefu/api.py mounts routers (same auth, same validation-error shape), so the router is
tested whether or not the main API has mounted it yet."""

from django.urls import path
from ninja import NinjaAPI, Router
from ninja.errors import ValidationError

from kefu.accounts.auth import api_auth
from kefu.api import validation_error
from kefu.urls import urlpatterns as site
from kefu.workforce.api import router

api = NinjaAPI(urls_namespace="wfm-test-api", auth=api_auth, docs_url=None)
api.add_exception_handler(ValidationError, validation_error)
v1 = Router()
v1.add_router("", router)
api.add_router("/v1/", v1)

# Django tries the next pattern when a path is not the test API's.
urlpatterns = [path("api/", api.urls), *site]
