"""Search of the conversation list: which conversations a search box's text finds.

What matches, and why:

- Contact names and message text go through PostgreSQL full-text search with our own
  configuration `relay_search` (migration 0007): the `simple` parser and dictionary (lower case,
  no stemming) behind the `unaccent` filter. No stemming, because one tenant writes English,
  French and German, and names must not be stemmed at all; `unaccent` folds what people leave
  out when typing: "muller" finds "Müller", "francois" finds "François", "strasse" finds "Straße".
  Every word is a prefix (`mül:*`), so the list narrows while typing; all words must match.
- Phone numbers are matched on their digits anywhere ("6789" finds "+4915123456789"): full-text
  search only knows whole tokens and their prefixes, so phones have a trigram index instead.
  Digits count from 3 on (a trigram is 3 characters).
- A conversation matches when its contact does, or when one of its messages does.

How it stays fast (figures: bench/inbox.py): the two ways to match are asked separately, each
for one page in list order, and the page is the newest of both. Separately, PostgreSQL plans
each well from its statistics: a rare word is looked up in the GIN index and its few
conversations sorted; a word most messages contain is checked conversation by conversation in
list order, which finds a page after a few dozen. Joined by OR, neither plan is possible and a
common word costs a hash of every matching message. The cost of a search is then bounded by
the smaller of its matches and a page's worth of rows scanned; the worst case is a word found
in a few percent of the conversations, where both are a few thousand rows.

The GIN indexes of migration 0007 are built on exactly the expressions below; a test checks
the plans use them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db.models import CharField, Exists, F, Func, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy

from inbox.models import Contact, Conversation, Message

SEARCH_CONFIG = "relay_search"
MAX_SEARCH_LENGTH = 100
# More words than this say nothing more about a conversation, and each costs an index lookup.
MAX_WORDS = 8
MIN_PHONE_DIGITS = 3

_WORD = re.compile(r"\w+")
_PHONE_LIKE = re.compile(r"\+?[\d\s().-]+")


class InvalidSearch(ValueError):
    """A search that can't be run (too long); the message says why, for the person who typed it."""


@dataclass(frozen=True)
class SearchTerms:
    """A search box's text, ready for the database: word prefixes, and the digits of a phone number."""

    words: tuple[str, ...]
    digits: str

    def tsquery(self) -> str:
        """`to_tsquery` syntax: every word a prefix, all required. Words are \\w+ runs, never syntax."""
        return " & ".join(f"{word}:*" for word in self.words)


def search_terms(text: str) -> SearchTerms | None:
    """What to look for, or None when the text holds nothing to look for (blank, punctuation)."""
    text = text.strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise InvalidSearch(f"Search for at most {MAX_SEARCH_LENGTH} characters.")
    words = tuple(dict.fromkeys(word.lower() for word in _WORD.findall(text)))[:MAX_WORDS]
    digits = re.sub(r"\D", "", text) if _PHONE_LIKE.fullmatch(text) else ""
    if len(digits) < MIN_PHONE_DIGITS:
        digits = ""
    if not words and not digits:
        return None
    return SearchTerms(words=words, digits=digits)


class _Document(Func):
    """to_tsvector('relay_search', …), the configuration a literal as in the index definitions."""

    template = f"to_tsvector('{SEARCH_CONFIG}'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


def _joined(*fields: str) -> Func:
    """`a || ' ' || b`, as written in the index definitions."""
    return Func(*(F(name) for name in fields), template="(%(expressions)s)", arg_joiner=" || ' ' || ",
                output_field=CharField())  # fmt: skip


def contact_names() -> Func:
    """A contact's name and WhatsApp profile name as a text search document: index `contact_search_names`."""
    return _Document(_joined("name", "profile_name"))


def contact_phones() -> Func:
    """A contact's phone and WhatsApp id as one string: index `contact_search_phones` (trigrams)."""
    return _joined("phone", "wa_id")


def message_text() -> Func:
    """A message's text as a text search document: index `message_search_text`."""
    return _Document(F("text"))


def words_query(terms: SearchTerms) -> SearchQuery:
    return SearchQuery(terms.tsquery(), config=SEARCH_CONFIG, search_type="raw")


def matching_contacts(*, tenant_id: int, terms: SearchTerms) -> QuerySet[Contact]:
    """The tenant's contacts whose name or profile name has every word, or whose phone has the digits."""
    match = Q()
    if terms.words:
        match |= Q(names=words_query(terms))
    if terms.digits:
        match |= Q(phones__contains=terms.digits)
    # An alias the filter doesn't use stays out of the SQL.
    return Contact.objects.for_tenant(tenant_id).alias(names=contact_names(), phones=contact_phones()).filter(match)


def matching_messages(*, tenant_id: int, terms: SearchTerms) -> QuerySet[Message]:
    """The tenant's messages whose text has every word."""
    return Message.objects.for_tenant(tenant_id).alias(document=message_text()).filter(document=words_query(terms))


def search_conversations(
    conversations: QuerySet[Conversation],
    *,
    tenant_id: int,
    terms: SearchTerms,
    order: Sequence[OrderBy] = (),
    limit: int | None = None,
) -> QuerySet[Conversation]:
    """Of `conversations` (already filtered), those the search finds. With `order` and `limit`, at
    most the first `limit` in that order: the first `limit` matched by contact and the first
    `limit` matched by a message, asked apart so each is planned on its own (see above)."""
    by_contact = conversations.filter(contact_id__in=matching_contacts(tenant_id=tenant_id, terms=terms).values("pk"))
    found = by_contact.order_by(*order).values("pk")[:limit]
    if terms.words:
        messages = matching_messages(tenant_id=tenant_id, terms=terms).filter(conversation_id=OuterRef("pk"))
        found = found.union(conversations.filter(Exists(messages)).order_by(*order).values("pk")[:limit])
    return conversations.filter(pk__in=found)
