"""Re-wrap every data key with the current master key (the first of ENCRYPTION_MASTER_KEYS).

Data rows are not touched. Resumable: run it again after an interruption and it carries on
with the keys still wrapped by an older master key. Once it reports none left, the old master
key can be removed from ENCRYPTION_MASTER_KEYS.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.crypto import keys
from accounts.models import TenantDataKey


class Command(BaseCommand):
    help = "Re-wrap every tenant data key with the current master key (resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        current = keys.current_master_key_id()
        rewrapped = keys.rewrap_all(batch_size=options["batch_size"])
        left = TenantDataKey.objects.exclude(master_key_id=current).count()
        self.stdout.write(f"Re-wrapped {rewrapped} data keys with master key {current!r}; {left} left.")
