"""Accent- and case-insensitive search text: "Gương ĐHTT" and "guong dhtt" find each other.

SQLite folds only ASCII case, so each searchable row keeps a folded copy of its text
(`search_text`) and queries are folded the same way before a plain substring match.
"""

import unicodedata


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Mn").split())


def search_text(*parts: str | None) -> str:
    return "\n".join(fold(p) for p in parts if p)
