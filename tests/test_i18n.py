"""The zh_Hans translation is complete and compiled."""

import json
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(path=PO):
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        parts, current = {}, None
        for line in block.splitlines():
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line)
            if match:
                current = match.group(1)
                parts[current] = json.loads(match.group(2))
            elif line.startswith('"') and current:
                parts[current] += json.loads(line)
        if parts.get("msgid"):
            yield parts, "#, fuzzy" in block


def test_every_string_is_translated():
    missing = [p["msgid"] for p, fuzzy in _entries() if fuzzy or not (p.get("msgstr") or p.get("msgstr[0]"))]
    assert not missing, f"untranslated zh_Hans strings (run `make messages` and translate): {missing[:20]}"


def test_compiled_catalogue_matches_the_po_file():
    with translation.override("zh-hans"):
        stale = [
            p["msgid"]
            for p, _ in _entries()
            if "msgstr" in p and "msgctxt" not in p and translation.gettext(p["msgid"]) != p["msgstr"]
        ]
    assert not stale, f"django.mo is out of date (run `make messages`): {stale[:10]}"


def test_source_strings_are_all_in_the_catalogue(tmp_path, settings):
    """Every marked string in the code is in django.po (run `make messages` after adding UI text).
    makemessages runs on a copy of the source tree, so the real catalogue is never touched."""
    import os
    import shutil
    import subprocess
    import sys

    base = Path(settings.BASE_DIR)
    for name in ["project", "shop", "backoffice", "templates", "locale"]:
        shutil.copytree(base / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(base / "manage.py", tmp_path / "manage.py")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings.dev", "PYTHONPATH": str(tmp_path)}
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v", "0"],
                   cwd=tmp_path, env=env, check=True)
    fresh = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    known = {p["msgid"] for p, _ in _entries()}
    new = sorted({p["msgid"] for p, _ in _entries(fresh)} - known)
    assert not new, f"strings missing from django.po (run `make messages`): {new[:20]}"
