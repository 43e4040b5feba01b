"""Carry an English dict (the old `EN = {...}` of api/web/i18n.py) into the English .po catalogue.

    .venv/bin/python scripts/i18n_dict_to_po.py FILE.py [--overwrite] [--po PATH]

FILE.py is any Python file with a literal `EN = {"Vietnamese": "English", ...}` (for instance a branch's
old api/web/i18n.py: `git show BRANCH:api/web/i18n.py > /tmp/old_i18n.py`). Entries the catalogue lacks
are appended; existing translations are kept unless --overwrite. The file is only parsed, never run.
--po names another catalogue than the English one (tests use a copy).
"""

import ast
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO_PATH = Path(__file__).resolve().parents[1] / "api" / "web" / "locale" / "en" / "LC_MESSAGES" / "messages.po"


def dict_entries(source: str) -> dict[str, str]:
    for node in ast.walk(ast.parse(source)):
        target: ast.expr
        value: ast.expr | None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "EN" and isinstance(value, ast.Dict):
            return ast.literal_eval(value)
    raise SystemExit("no literal EN = {...} dict in that file")


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print(__doc__)
        return 2
    overwrite = "--overwrite" in argv
    po_path = Path(argv[argv.index("--po") + 1]) if "--po" in argv else PO_PATH
    entries = dict_entries(Path(argv[0]).read_text(encoding="utf-8"))
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    added = changed = 0
    for vietnamese, english in entries.items():
        existing = catalog.get(vietnamese)
        if existing is None:
            catalog.add(vietnamese, english)
            added += 1
        elif overwrite and existing.string != english:
            existing.string = english
            changed += 1
    with po_path.open("wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False, sort_output=False, include_lineno=False)
    print(f"{po_path.name}: {added} added, {changed} changed, {len(catalog)} in all")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
