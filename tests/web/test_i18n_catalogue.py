"""The English catalogue (api/web/locale/en/LC_MESSAGES/messages.po) covers every text the pages show.

The strings are found the way a translator's tools find them: Babel's Jinja2 extractor over the templates
(every `_("...")`), Babel's Python extractor over the web code (`tr(request, "...")`, `trf(request, "...")`),
plus the label tables the templates translate through a variable (menu, roles, levels, content history).
An extractor only sees literal texts, so every flash message is checked to be one (an f-string is not)."""

import ast
import re
import string
from pathlib import Path

from babel.messages.extract import extract_from_dir

from api.web import common, content_pages
from api.web.i18n import english_catalogue, po_path, read_catalog, translate
from core.areas import LEVEL_LABELS
from core.users import ROLE_LABELS

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "api" / "web"


def template_strings() -> set[tuple[str, str]]:
    found = extract_from_dir(str(WEB / "templates"), method_map=[("**.html", "jinja2")],
                             options_map={"**.html": {"extensions": "jinja2.ext.i18n"}})
    return {(str(message), filename) for filename, _line, message, _comments, _ctx in found}


def code_strings() -> set[tuple[str, str]]:
    found = extract_from_dir(str(ROOT / "api"), method_map=[("**.py", "python")],
                             keywords={"tr": (2,), "trf": (2,), "_": None, "gettext": None})
    return {(str(message), filename) for filename, _line, message, _comments, _ctx in found}


def table_strings() -> set[tuple[str, str]]:
    from airtime.reconcile import UNPLANNED_LABELS
    from api.web.quota_pages import PERIOD_LABELS
    from api.web.slots_pages import WEEKDAY_NAMES
    from campaigns.models import KIND_LABELS, STATUS_LABELS
    from core.levels import CONTENT_LEVEL_LABELS
    from devices.alarms import KIND_LABELS as ALARM_LABELS
    from devices.commands import COMMAND_LABELS
    from devices.status import STATE_LABELS
    from playlists.priority_orders import ORIGIN_LABELS

    tables = {
        "menu": [label for _href, label, _roles in common.NAV],
        "roles": ROLE_LABELS.values(),
        "levels": LEVEL_LABELS.values(),
        "content history": [*content_pages.EVENT_LABELS.values(), content_pages.OTHER_EVENT_LABEL],
        "content kinds": KIND_LABELS.values(), "content states": STATUS_LABELS.values(),
        "content levels": CONTENT_LEVEL_LABELS.values(), "weekdays": WEEKDAY_NAMES,
        "quota periods": PERIOD_LABELS.values(), "unplanned plays": UNPLANNED_LABELS.values(),
        "alarms": ALARM_LABELS.values(), "device states": STATE_LABELS.values(),
        "priority origins": ORIGIN_LABELS.values(), "device commands": COMMAND_LABELS.values(),
    }
    return {(text, name) for name, texts in tables.items() for text in texts}


def test_the_extractors_find_the_pages_strings():
    # Guards the test itself: an extractor that finds nothing would let every check below pass.
    templates = {text for text, _ in template_strings()}
    assert len(templates) > 300
    assert {"Tổng quan", "Đăng xuất", "Lịch sử"} <= templates
    assert "Đã đăng xuất." in {text for text, _ in code_strings()}


def test_every_page_string_has_an_english_translation():
    english = english_catalogue()
    missing = sorted({(text, where) for text, where in template_strings() | code_strings() | table_strings()
                      if text not in english})
    assert not missing, ("no English in messages.po for:\n" + "\n".join(f"  {where}: {text!r}"
                                                                     for text, where in missing))


# --- flash messages ------------------------------------------------------------------------------

TRANSLATORS = {"tr", "trf"}  # api/web/common.py: tr(request, msgid), trf(request, msgid, **values)


def _called(call: ast.Call) -> str | None:
    return call.func.id if isinstance(call.func, ast.Name) else None


def _argument(call: ast.Call, index: int, name: str) -> ast.expr | None:
    if len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == name), None)


def _functions(tree: ast.AST):
    """(function, every call inside it, nested functions' calls included) for each def of the module."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node, [c for c in ast.walk(node) if isinstance(c, ast.Call)]


def _params(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return [a.arg for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)]


def untranslatable_flashes(sources: dict[str, str]) -> list[str]:
    """Each `flash(request, message)` whose message an extractor cannot see: it must be `tr(request, "…")` or
    `trf(request, "…", **values)` of a literal, a choice between such (`a if c else b`), or a DomainError's
    `exc.message` (the service's own words, Vietnamese as the API gives them). A helper that passes one of its
    parameters on as the message (content_pages._transition's `done`) is held to the same rule at its calls."""
    trees = {name: ast.parse(text) for name, text in sources.items()}
    senders = {"flash": (1, "message")}  # function -> (position, name) of its message argument
    changed = True
    while changed:  # find the helpers that forward a parameter to flash (or to another such helper)
        changed = False
        for tree in trees.values():
            for func, calls in _functions(tree):
                for call in calls:
                    sent = senders.get(_called(call) or "")
                    message = _argument(call, *sent) if sent else None
                    if isinstance(message, ast.Name) and message.id in _params(func) and func.name not in senders:
                        senders[func.name] = (_params(func).index(message.id), message.id)
                        changed = True

    def readable(node: ast.expr | None, forwarded: set[str]) -> bool:
        if isinstance(node, ast.IfExp):
            return readable(node.body, forwarded) and readable(node.orelse, forwarded)
        if isinstance(node, ast.Call) and _called(node) in TRANSLATORS:
            msgid = _argument(node, 1, "text")  # tr's keyword; trf's msgid is positional only
            return isinstance(msgid, ast.Constant) and isinstance(msgid.value, str)
        if isinstance(node, ast.Attribute) and node.attr == "message":
            return True
        return isinstance(node, ast.Name) and node.id in forwarded

    bad = []
    for name, tree in trees.items():
        for func, calls in _functions(tree):
            forwarded = {senders[func.name][1]} if func.name in senders else set()
            for call in calls:
                called = _called(call) or ""
                if called in senders and not readable(_argument(call, *senders[called]), forwarded):
                    bad.append(f"{name}:{call.lineno}: {ast.get_source_segment(sources[name], call)}")
    return sorted(set(bad))


def web_sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in sorted(WEB.glob("*.py"))}


def test_every_flash_message_is_a_literal_the_extractor_sees():
    bad = untranslatable_flashes(web_sources())
    assert not bad, ("flash messages the .po cannot translate (write trf(request, \"… {name} …\", name=...) "
                     "instead of an f-string or a built-up text):\n" + "\n".join(f"  {b}" for b in bad))


def test_the_flash_check_catches_what_the_extractor_misses():
    # Guards the check above: each of these once stayed Vietnamese in English mode.
    sources = {"page.py": '''
def made_up(request, name, ok):
    flash(request, f"Đã lưu “{name}”.")
    flash(request, "Đã lưu." if ok else "Đã lưu bản nháp.")
    flash(request, "; ".join(["Đã lưu", "đặt lại mật khẩu"]))
    flash(request, tr(request, f"Đã lưu {name}."))
    flash(request, tr(request, "Đã lưu") + f" “{name}”.")
    _step(request, f"Đã xóa “{name}”.")
    _step(request, done=tr(request, "Đã xóa."))
    flash(request, trf(request, "Đã lưu “{name}”.", name=name))
    flash(request, tr(request, "Đã lưu.") if ok else tr(request, "Đã lưu bản nháp."), "ok")
    flash(request, exc.message, "err")

def _step(request, done):
    flash(request, done)
'''}
    bad = {line.split(": ", 1)[1] for line in untranslatable_flashes(sources)}
    assert bad == {'flash(request, f"Đã lưu “{name}”.")',
                   'flash(request, "Đã lưu." if ok else "Đã lưu bản nháp.")',
                   'flash(request, "; ".join(["Đã lưu", "đặt lại mật khẩu"]))',
                   'flash(request, tr(request, f"Đã lưu {name}."))',
                   'flash(request, tr(request, "Đã lưu") + f" “{name}”.")',
                   '_step(request, f"Đã xóa “{name}”.")'}


def test_english_keeps_every_placeholder_of_the_vietnamese():
    """A msgstr that drops or renames a `{name}` would show a wrong message or fail with a KeyError."""
    fields = lambda text: {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None}  # noqa: E731
    wrong = [(vi, en) for vi, en in english_catalogue().items() if "{" in vi and fields(vi) != fields(en)]
    assert not wrong, f"placeholders differ: {wrong}"
    assert len([vi for vi in english_catalogue() if "{name}" in vi]) > 10


def test_catalogue_is_a_clean_po_file():
    catalog = read_catalog("en")
    assert str(catalog.locale) == "en"
    ids = re.findall(r'^msgid "(.+)"$', po_path("en").read_text(encoding="utf-8"), flags=re.M)
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"msgids listed twice: {duplicates}"
    assert not [m.id for m in catalog if m.id and m.fuzzy], "fuzzy entries wait for a translator's review"


def test_translate_reads_the_catalogue_and_falls_back_to_vietnamese():
    assert translate("Tổng quan", "en") == "Dashboard"
    assert translate("Tổng quan", "vi") == "Tổng quan"
    assert translate("Chuỗi chưa có bản dịch", "en") == "Chuỗi chưa có bản dịch"
    assert translate("Tổng quan", "fr") == "Tổng quan"


def test_every_recorded_content_action_has_a_label():
    """The content history shows a label for each action the services record, never the code name."""
    sources = "".join(p.read_text(encoding="utf-8") for folder in ("campaigns", "playlists")
                      for p in (ROOT / folder).rglob("*.py"))
    actions = set(re.findall(r'\baction\s*=\s*"([a-z_]+)"', sources))
    actions |= set(re.findall(r'\bACTION\s*=\s*"([a-z_]+)"', sources))
    actions |= set(re.findall(r'_event\(session, [^)]*?"([a-z_]+)"', sources))
    assert {"render_done", "created", "approved", "priority_order", "edited", "revised"} <= actions
    assert not actions - content_pages.EVENT_LABELS.keys()


def test_an_old_style_dict_entry_is_carried_into_the_po(tmp_path):
    """scripts/i18n_dict_to_po.py: how strings written as `EN = {...}` (a branch made before the catalogue)
    reach the .po: missing ones appended, existing translations kept, the result read back as a catalogue."""
    import shutil
    import subprocess
    import sys

    from babel.messages.pofile import read_po

    po = tmp_path / "messages.po"
    shutil.copy(po_path("en"), po)
    source = tmp_path / "old_i18n.py"
    source.write_text('EN: dict[str, str] = {\n    "Tổng quan": "Overview (ignored: already there)",\n'
                      '    ("Một chuỗi mới "\n     "của trang"): "A new string of the page",\n}\n', encoding="utf-8")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n_dict_to_po.py"), str(source), "--po", str(po)],
                          capture_output=True, text=True, check=True)
    assert "1 added, 0 changed" in done.stdout
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    assert catalog["Một chuỗi mới của trang"].string == "A new string of the page"
    assert catalog["Tổng quan"].string == "Dashboard"
    assert len(catalog) == len(read_catalog("en")) + 1
