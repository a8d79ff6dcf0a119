"""Tokenising Chinese (and English) text for full-text search.

Chinese has no spaces, and dictionary segmenters cut the same phrase differently in
a document and in a short query (jieba: 没到|账 vs 到账|慢), which loses hits. Search
therefore indexes overlapping character bigrams of CJK runs (the approach of Lucene's
CJKAnalyzer) and lower-cased words elsewhere; a query matches when all of its bigrams
occur. No word segmenter is used anywhere (QA lexicons match with Aho-Corasick).
"""

from __future__ import annotations

import re

from kefu.core.masking import mask_text
from kefu.interactions.core.native import ConversationRecord

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(f"[{_CJK}]+|[^\\W_]+")
# The three kinds of token, each found by one C-level scan of the whole text: overlapping
# CJK bigrams (a look-ahead match consumes nothing), lone CJK characters, other words.
_CJK_BIGRAM = re.compile(f"(?=([{_CJK}]{{2}}))")
_CJK_SINGLE = re.compile(f"(?<![{_CJK}])[{_CJK}](?![{_CJK}])")
_OTHER_WORD = re.compile(f"[^\\W_{_CJK}]+")


def _tokens(text: str) -> list[str]:
    return [
        *_CJK_BIGRAM.findall(text),
        *_CJK_SINGLE.findall(text),
        *_OTHER_WORD.findall(text.lower()),
    ]


_MAY_HOLD_PERSONAL_DATA = re.compile(r"\d{7}|@")


def _masked(text: str) -> str:
    return mask_text(text) if _MAY_HOLD_PERSONAL_DATA.search(text) else text


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
    parts.extend(_masked(m.text) for m in record.messages)  # per message: most need none
    # Distinct tokens: search only asks whether a token occurs, never how often.
    return " ".join(dict.fromkeys(_tokens("\n".join(parts))))
