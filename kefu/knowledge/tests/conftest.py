"""Knowledge fixtures: a published FAQ owned by quinn (QA, a knowledge owner)."""

from __future__ import annotations

import pytest

from kefu.knowledge import actions
from kefu.knowledge import search as knowledge_search

REFUND = {
    "kind": "faq",
    "title": "退款多久到账",
    "scene": "售后",
    "problem": "退款到账慢",
    "tags": "退款, 到账",
    "issue": "钱还没到账 / 退款什么时候到",
    "resolution": "退款原路退回，银行卡一般1-3个工作日到账。",
    "snippet": "您的退款已原路退回，银行卡一般1-3个工作日到账，请留意。",
}


@pytest.fixture(autouse=True)
def _fresh_index():
    knowledge_search.reset()
    yield
    knowledge_search.reset()


@pytest.fixture
def published(personas):
    article = actions.create_article(personas.quinn, REFUND)
    return actions.publish(personas.quinn, article.pk, quality={"unique": True})
