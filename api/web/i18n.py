"""Translations from gettext catalogues: pages are written in Vietnamese, English is a lookup away.

The Vietnamese text itself is the msgid, so templates stay readable in the users' language and a
missing English entry simply shows the Vietnamese (tests/web/test_i18n_catalogue.py fails on one).
The English catalogue is api/web/locale/en/LC_MESSAGES/messages.po, a file a translator edits; it is
read once at start (no compiled .mo in the repository to drift out of sync). Messages that come from the
services (errors) are Vietnamese too: they are the same words the API gives.

A new string: write it in Vietnamese in the page (`_("...")` in a template, `tr(request, "...")` in
Python, `trf(request, "Đã lưu “{name}”.", name=...)` for one with values: never an f-string, which no
extractor can see) and add its msgid/msgstr pair to the .po (or list it in a file's `EN = {...}` dict and run
scripts/i18n_dict_to_po.py FILE).
"""

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str) -> Catalog:
    with po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


@cache
def translations(lang: str) -> NullTranslations:
    """The language's catalogue, compiled in memory from its .po; Vietnamese (the msgids) needs none."""
    if lang == DEFAULT_LANGUAGE or not po_path(lang).exists():
        return NullTranslations()
    compiled = BytesIO()
    write_mo(compiled, read_catalog(lang), use_fuzzy=False)  # empty or fuzzy entries fall back to Vietnamese
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def english_catalogue() -> dict[str, str]:
    """msgid -> English for every translated, settled entry (checks and tools)."""
    return {str(m.id): str(m.string) for m in read_catalog("en") if m.id and m.string and not m.fuzzy}


def translate(text: str, lang: str) -> str:
    if lang not in LANGUAGES or lang == DEFAULT_LANGUAGE:
        return text
    return translations(lang).gettext(text)
