"""Search of the conversation list: which conversations a search box's text finds.

Names, message texts and phone numbers are encrypted at rest, so the database can't read them:
each contact and message carries a keyed-hash index of its words' prefixes and its phones' digit
runs (accounts.crypto.index, which says what that index leaks), and a search asks for the rows
whose index contains the hashes of what was typed (`search_index @> ARRAY[...]`, GIN-indexed).

What matches, and why:

- Contact names and message text match word by word, from a word's start ("mül" finds "Müller"),
  so the list narrows while typing; all words must match. Case and accents are folded, as
  people leave them out when typing: "muller" finds "Müller", "francois" finds "François",
  "strasse" finds "Straße". No stemming: one tenant writes English, French and German, and names
  must not be stemmed at all. Words are matched on their first 16 characters.
- Phone numbers are matched on their digits anywhere ("6789" finds "+4915123456789"), from 3 digits.
- A conversation matches when its contact does, or when one of its messages does.

How it stays fast (figures: bench/inbox.py): PostgreSQL can't know how many rows a search
matches, and guessing wrong is costly both ways: reading every open conversation to find the
one whose phone has "0777", or reading 600,000 matches of a word most messages contain to
show 25 of them. So `search_conversations` asks before it filters: the matching contacts' ids
(few, as a rule), and, when the index's statistics (PostgreSQL keeps the most common array
elements) say a word is rare, the conversations its messages are in. The list's query then takes
those ids (its cost is bounded by their number); a common name or word is instead checked row by
row while the list is read in order, which finds a page after a few dozen rows. The worst case is
in between, a word in a few percent of the messages, where both ways cost a few thousand rows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import BigIntegerField, BooleanField, F, Func, OuterRef, Q, QuerySet, Subquery, Value

from accounts.crypto import index
from inbox.models import Contact, Conversation, Message

IndexedRow = TypeVar("IndexedRow", Contact, Message)

MAX_SEARCH_LENGTH = 100
# More words than this say nothing more about a conversation, and each costs an index lookup.
MAX_WORDS = 8
MIN_PHONE_DIGITS = 3

_PHONE_LIKE = re.compile(r"\+?[\d\s().-]+")


class InvalidSearch(ValueError):
    """A search that can't be run (too long); the message says why, for the person who typed it."""


@dataclass(frozen=True)
class SearchTerms:
    """A search box's text, ready for the database: word prefixes, and the digits of a phone number."""

    words: tuple[str, ...]
    digits: str

    def word_tokens(self, tenant_id: int) -> list[int]:
        return [index.word_token(tenant_id=tenant_id, word=word) for word in self.words]


def search_terms(text: str) -> SearchTerms | None:
    """What to look for, or None when the text holds nothing to look for (blank, punctuation)."""
    text = text.strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise InvalidSearch(f"Search for at most {MAX_SEARCH_LENGTH} characters.")
    words = tuple(index.words(text))[:MAX_WORDS]
    digits = re.sub(r"\D", "", text) if _PHONE_LIKE.fullmatch(text) else ""
    if len(digits) < MIN_PHONE_DIGITS:
        digits = ""
    if not words and not digits:
        return None
    return SearchTerms(words=words, digits=digits)


def matching_contacts(*, tenant_id: int, terms: SearchTerms) -> QuerySet[Contact]:
    """The tenant's contacts whose name or profile name has every word, or whose phone has the digits."""
    match = Q()
    if terms.words:
        match |= Q(search_index__contains=terms.word_tokens(tenant_id))
    if terms.digits:
        match |= Q(search_index__contains=[index.digits_token(tenant_id=tenant_id, digits=terms.digits)])
    return _by_index(Contact, tenant_id=tenant_id).filter(match)


def matching_messages(*, tenant_id: int, terms: SearchTerms) -> QuerySet[Message]:
    """The tenant's messages whose text has every word."""
    return Message.objects.for_tenant(tenant_id).filter(search_index__contains=terms.word_tokens(tenant_id))


# Up to these many matches, a search reads them and hands the list the ids (a rare name or word);
# beyond, it lets the list be read in order and checks each conversation (a common one). The
# first costs a few microseconds per match, the second per conversation passed over.
MATCHED_CONTACTS_LISTED = 5_000
MATCHED_MESSAGES_LISTED = 5_000


def search_conversations(
    conversations: QuerySet[Conversation], *, tenant_id: int, terms: SearchTerms
) -> QuerySet[Conversation]:
    """Of `conversations` (already filtered), those the search finds, asking a few small queries
    first (see the module's docstring): contacts' ids, the planner's estimates of the tenant's
    messages and of each word's, and the conversations of a rare word's messages."""
    contacts = matching_contacts(tenant_id=tenant_id, terms=terms)
    contact_ids = list(contacts.values_list("pk", flat=True)[: MATCHED_CONTACTS_LISTED + 1])
    listed = len(contact_ids) <= MATCHED_CONTACTS_LISTED
    match = Q(_is_any_of("contact_id", contact_ids)) if listed else Q(contact_id__in=contacts.values("pk"))
    if not terms.words:
        return conversations.filter(match)
    messages = matching_messages(tenant_id=tenant_id, terms=terms)
    # All words must match: there are at most as many matches as the rarest word has. In a small
    # tenant, a word in more than a percent of its messages fills a page within a few conversations.
    matches = min(_estimated_messages(tenant_id, word) for word in terms.words)
    tenant_messages = estimated_rows(Message.objects.for_tenant(tenant_id))
    if matches <= min(MATCHED_MESSAGES_LISTED, tenant_messages / 100):
        found = (
            _by_index(Message, tenant_id=tenant_id)
            .filter(search_index__contains=terms.word_tokens(tenant_id))
            .order_by("conversation_id")
            .values_list("conversation_id", flat=True)
            .distinct()
        )
        conversation_ids = list(found[: MATCHED_MESSAGES_LISTED + 1])
        if len(conversation_ids) <= MATCHED_MESSAGES_LISTED:  # else the statistics were wrong: as for a common word
            return conversations.filter(match | Q(_is_any_of("id", conversation_ids)))
    # A scalar subquery, not EXISTS: PostgreSQL may turn an EXISTS into a hash of every match,
    # where this checks the conversations one by one as the list is read, and stops with the page.
    in_messages = Subquery(messages.filter(conversation_id=OuterRef("pk")).values("conversation_id")[:1])
    return conversations.alias(message_match=in_messages).filter(match | Q(message_match__isnull=False))


def _by_index(model: type[IndexedRow], *, tenant_id: int) -> QuerySet[IndexedRow]:
    """The tenant's rows of `model`, for a filter on the search index alone. Its entries are keyed
    by the tenant, so the rows it finds are this tenant's already (but for a 64-bit collision: the
    tenant is still checked on each row found). PostgreSQL doesn't know that, and would AND them
    with every row of the tenant from the tenant_id index (25 ms at 1M messages, 10 ms at 100k
    contacts); a condition no index has leaves the tenant check to the rows found."""
    return model.objects.unscoped().alias(row_tenant=F("tenant_id") + 0).filter(row_tenant=tenant_id)


def _is_any_of(column: str, ids: list[int]) -> Func:
    """`column = ANY(<array>)`: thousands of ids as one parameter, where IN would make thousands."""
    array = Value(ids, output_field=ArrayField(BigIntegerField()))
    return Func(F(column), array, template="%(expressions)s)", arg_joiner=" = ANY(", output_field=BooleanField())


def _estimated_messages(tenant_id: int, word: str) -> float:
    return estimated_rows(matching_messages(tenant_id=tenant_id, terms=SearchTerms(words=(word,), digits="")))


def estimated_rows(queryset: QuerySet[Any]) -> float:
    """How many rows PostgreSQL's planner expects the query to return (it plans, runs nothing)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return float(plan[0]["Plan"]["Plan Rows"])
