"""Compile the interface's translations (locale/<language>/LC_MESSAGES/django.po) into the .mo
files Django reads, with polib: no GNU gettext needed, and the same bytes on every machine.

`--check` changes nothing and fails when a committed .mo differs from what its .po compiles to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def catalogs() -> list[Path]:
    """Every django.po under LOCALE_PATHS, in a stable order."""
    return sorted(po for folder in settings.LOCALE_PATHS for po in Path(folder).glob("*/LC_MESSAGES/django.po"))


def compiled(po_path: Path) -> bytes:
    """The .mo bytes of a catalogue: translated entries only (fuzzy and obsolete ones are left out)."""
    return bytes(polib.pofile(str(po_path)).to_binary())


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/django.po into .mo files (with polib); --check only compares."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if a .mo file is out of date; write nothing.")

    def handle(self, *args: Any, check: bool, **options: Any) -> None:
        stale = []
        for po_path in catalogs():
            mo_path = po_path.with_suffix(".mo")
            binary = compiled(po_path)
            if mo_path.exists() and mo_path.read_bytes() == binary:
                continue
            if check:
                stale.append(str(mo_path))
            else:
                mo_path.write_bytes(binary)
                self.stdout.write(f"compiled {mo_path}")
        if stale:
            raise CommandError(f"out of date (run `make messages`): {', '.join(stale)}")
