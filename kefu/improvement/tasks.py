"""Background work of the improvement domain: classifying new complaints, retraining."""

from __future__ import annotations

from django_tasks import task

from kefu.improvement import actions


@task()
def classify_pending() -> int:
    """Label the closed complaints no classifier or person has labelled yet."""
    return actions.classify()


@task()
def retrain(user_id: int | None = None) -> int:
    """A new classifier from today's labels, then every automatic label again."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return actions.retrain_and_reclassify(user=user).pk
