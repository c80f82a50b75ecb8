"""The zh_Hans translation is complete and compiled."""

import json
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries():
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
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
