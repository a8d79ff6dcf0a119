"""The REST API root (django-ninja): /api/v1/…, docs at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(title="Kefu API", version="1", urls_namespace="api", docs_url="/docs")
