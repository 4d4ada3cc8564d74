"""Keyed-hash search index: what lets encrypted names, texts and phone numbers be searched.

A row's index is an array of 64-bit HMACs (key: derived from the tenant's data key) of

- each prefix, 1 to MAX_PREFIX characters, of each word of its text, after folding case and
  accents ("Müller" → "muller", "Straße" → "strasse", so "mul" finds it), and
- each run of 3 or more consecutive digits of its phone numbers ("6789" finds "+4915123456789").

A search hashes its words (cut to MAX_PREFIX) and digits the same way and asks for rows whose
array contains them all (`@>`, GIN-indexed). The index is a column of the row it describes, so
deleting the row deletes its entries.

What it leaks, to someone who reads the database but has no key: within one tenant, which rows
share a word prefix or a digit run, and how often each occurs (frequency analysis may then guess
common words); roughly how many distinct words a text has. Not the words themselves, and nothing
across tenants (each tenant's hashes are keyed differently); shredding the tenant's data key
makes its index as unreadable as its ciphertext. Words longer than MAX_PREFIX are found by their
first MAX_PREFIX characters only, so a longer search may also find a word that starts alike.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable

from accounts.crypto import keys

MAX_PREFIX = 16
MIN_DIGITS = 3
# Digit runs longer than this are no phone number part anyone types.
MAX_DIGITS = 15

_WORD = re.compile(r"\w+")
# Letters Unicode does not decompose into a base letter and an accent, folded as unaccent does.
_FOLD = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})


def fold(text: str) -> str:
    """Lower case without accents, as people type a search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD)


def words(text: str) -> list[str]:
    """The distinct folded words of `text`, in order."""
    return list(dict.fromkeys(_WORD.findall(fold(text))))


def _hash(key: bytes, kind: bytes, value: str) -> int:
    digest = hmac.new(key, kind + value.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _digit_runs(phone: str) -> Iterable[str]:
    digits = re.sub(r"\D", "", phone)[:MAX_DIGITS]
    for start in range(len(digits)):
        for end in range(start + MIN_DIGITS, len(digits) + 1):
            yield digits[start:end]


def document_tokens(*, tenant_id: int | None, text: str, phones: Iterable[str] = ()) -> list[int]:
    """The index entries of a row with this text and these phone numbers (sorted, distinct)."""
    found = words(text)
    runs = {run for phone in phones for run in _digit_runs(phone)}
    if not found and not runs:
        return []
    key = keys.current_key(tenant_id).index_key
    prefixes = {word[:length] for word in found for length in range(1, min(len(word), MAX_PREFIX) + 1)}
    return sorted({_hash(key, b"w:", prefix) for prefix in prefixes} | {_hash(key, b"d:", run) for run in runs})


def word_token(*, tenant_id: int, word: str) -> int:
    """The entry a searched word (folded) must match: its prefix as indexed."""
    return _hash(keys.current_key(tenant_id).index_key, b"w:", word[:MAX_PREFIX])


def digits_token(*, tenant_id: int, digits: str) -> int:
    """The entry searched digits must match (MIN_DIGITS to MAX_DIGITS of them)."""
    return _hash(keys.current_key(tenant_id).index_key, b"d:", digits[:MAX_DIGITS])


def lookup_hash(*, tenant_id: int | None, purpose: str, value: str) -> str:
    """A keyed hash for equality lookups of an encrypted column (hex). With a tenant, keyed by its
    data key (lookups within a tenant); None: the platform key, for lookups across tenants (a
    webhook's verify token names no tenant)."""
    return keyed_lookup_hash(keys.current_key(tenant_id).index_key, purpose=purpose, value=value)


def keyed_lookup_hash(index_key: bytes, *, purpose: str, value: str) -> str:
    """`lookup_hash` with the data key's index key given (a tool reading another database)."""
    return hmac.new(index_key, b"eq:" + purpose.encode() + b":" + value.encode(), hashlib.sha256).hexdigest()
