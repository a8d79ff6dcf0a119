"""Tokenising Chinese (and English) text for full-text search.

Chinese has no spaces, and dictionary segmenters cut the same phrase differently in
a document and in a short query (jieba: 没到|账 vs 到账|慢), which loses hits. Search
therefore indexes overlapping character bigrams of CJK runs (the approach of Lucene's
CJKAnalyzer) and lower-cased words elsewhere; a query matches when all of its bigrams
occur. jieba (rjieba) is used where words matter: QA lexicons and text analysis.
"""

from __future__ import annotations

import re

from kefu.core.masking import mask_text
from kefu.interactions.core.native import ConversationRecord

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\W_]+", re.UNICODE)


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    for chunk in _WORD.findall(text):
        if chunk[0] > "\u33ff" and _CJK_RUN.match(chunk):
            if len(chunk) == 1:
                out.append(chunk)
            else:
                out.extend(map(str.__add__, chunk[:-1], chunk[1:]))  # bigrams, in C
        else:
            out.append(chunk.lower())
    return out


_MAY_HOLD_PERSONAL_DATA = re.compile(r"\d{7}|@")


def index_tokens(text: str) -> str:
    """Space-separated search tokens for a document (personal numbers masked first)."""
    if _MAY_HOLD_PERSONAL_DATA.search(text):
        text = mask_text(text)
    return " ".join(_tokens(text))


def query_terms(query: str) -> list[tuple[str, bool]]:
    """(token, is_prefix) pairs that must all occur; a lone CJK character is a prefix."""
    terms: list[tuple[str, bool]] = []
    for chunk in _WORD.findall(query):
        if _CJK_RUN.match(chunk) and len(chunk) == 1:
            terms.append((chunk, True))
        else:
            terms.extend((t, False) for t in _tokens(chunk))
    return list(dict.fromkeys(terms))


def search_document(record: ConversationRecord) -> str:
    """What search matches a conversation on: its ids, category and message texts."""
    parts = [record.id, record.customer.id, *record.category]
    parts.extend(m.text for m in record.messages)
    return index_tokens("\n".join(parts))
