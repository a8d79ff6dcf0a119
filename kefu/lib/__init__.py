"""Shared helpers that need Django (forms, API schemas, paging, task queueing, the live
write threads). Django-free shared helpers live in `kefu/core/`."""
