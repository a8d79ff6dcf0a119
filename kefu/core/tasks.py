"""Tasks that belong to no domain: a round trip to prove the task backend works."""

from django_tasks import task


@task()
def ping(value: int) -> int:
    """Doubles its input; `kefu` operators enqueue it to check that workers run tasks."""
    return value * 2
