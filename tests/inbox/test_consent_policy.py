"""A contact's consent from its history, and opt-out keywords, from plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.consent import DEFAULT_OPT_OUT_KEYWORDS
from inbox.policy import (
    NO_CONSENT_HISTORY,
    ConsentRecord,
    ConsentState,
    consent_state,
    is_opt_in_confirmation,
    matches_opt_out_keyword,
    normalize_keyword,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def history(*events: tuple[str, str, int]) -> list[ConsentRecord]:
    return [ConsentRecord(kind, scope, at(minute)) for kind, scope, minute in events]


IN_ALL = ("opt_in", "all")
OUT_ALL = ("opt_out", "all")
IN_MKT = ("opt_in", "marketing")
OUT_MKT = ("opt_out", "marketing")


# Consent state ---------------------------------------------------------------------------------


def test_no_history_means_no_consent_and_no_opt_out():
    state = consent_state([])
    assert state == NO_CONSENT_HISTORY
    assert (state.opted_in, state.opted_out_all, state.opted_out_marketing, state.last_change_at) == (
        False,
        False,
        False,
        None,
    )


@pytest.mark.parametrize(
    ("events", "opted_in", "opted_out_all", "opted_out_marketing"),
    [
        ([IN_ALL], True, False, False),
        ([OUT_ALL], False, True, True),
        ([IN_MKT], True, False, False),
        ([OUT_MKT], False, False, True),
        # The latest event of a scope wins.
        ([IN_ALL, OUT_ALL], False, True, True),
        ([OUT_ALL, IN_ALL], True, False, False),
        ([IN_MKT, OUT_MKT], False, False, True),
        ([OUT_MKT, IN_MKT], True, False, False),
        # An opt-out of all covers marketing; a marketing opt-in does not lift it.
        ([IN_MKT, OUT_ALL], False, True, True),
        ([OUT_ALL, IN_MKT], False, True, True),
        # An opt-in of all lifts a marketing opt-out given before it, not one given after.
        ([OUT_MKT, IN_ALL], True, False, False),
        ([IN_ALL, OUT_MKT], True, False, True),
        # A marketing opt-in lifts only the marketing opt-out.
        ([IN_ALL, OUT_MKT, IN_MKT], True, False, False),
        ([OUT_MKT, OUT_ALL, IN_ALL], True, False, False),
        ([OUT_ALL, OUT_MKT, IN_ALL], True, False, False),
        ([IN_ALL, OUT_ALL, IN_MKT], False, True, True),
        ([OUT_ALL, IN_MKT, IN_ALL], True, False, False),
        # A marketing-only consent withdrawn leaves no consent.
        ([IN_MKT, OUT_MKT, IN_MKT, OUT_MKT], False, False, True),
    ],
)
def test_state_from_history(events, opted_in, opted_out_all, opted_out_marketing):
    records = [ConsentRecord(kind, scope, at(minute)) for minute, (kind, scope) in enumerate(events)]
    state = consent_state(records)
    assert (state.opted_in, state.opted_out_all, state.opted_out_marketing) == (
        opted_in,
        opted_out_all,
        opted_out_marketing,
    )
    assert state.last_change_at == at(len(events) - 1)


def test_dates_of_the_standing_opt_in_and_opt_out():
    state = consent_state(history(("opt_in", "all", 1), ("opt_out", "marketing", 5), ("opt_in", "all", 3)))
    assert state == ConsentState(
        opted_in=True,
        opted_out_all=False,
        opted_out_marketing=True,
        last_change_at=at(5),
        opted_in_at=at(3),
        opted_out_at=at(5),
    )


def test_opt_out_of_all_dates_the_opt_out():
    state = consent_state(history(("opt_out", "marketing", 1), ("opt_out", "all", 2)))
    assert state.opted_out_at == at(2)
    assert state.opted_in_at is None


def test_at_the_same_instant_an_opt_out_wins():
    assert consent_state(history(("opt_in", "all", 1), ("opt_out", "all", 1))).opted_out_all is True
    assert consent_state(history(("opt_out", "all", 1), ("opt_in", "all", 1))).opted_out_all is True
    tied = consent_state(history(("opt_in", "all", 1), ("opt_out", "marketing", 1)))
    assert (tied.opted_in, tied.opted_out_marketing) == (True, True)


def test_unknown_kinds_and_scopes_are_ignored():
    state = consent_state([("opt_in", "all", at(1)), ("maybe", "all", at(2)), ("opt_out", "sms", at(3))])
    assert state.opted_in is True
    assert state.last_change_at == at(1)


def test_plain_tuples_work_as_records():
    assert consent_state([("opt_in", "marketing", T0)]).opted_in is True


@pytest.mark.parametrize(
    ("events", "marketing", "refusal"),
    [
        ([], False, "no_consent"),
        ([IN_ALL], False, None),
        ([IN_ALL], True, None),
        ([IN_ALL, OUT_MKT], False, None),
        ([IN_ALL, OUT_MKT], True, "opted_out"),
        ([OUT_ALL], False, "opted_out"),
        ([OUT_MKT], False, "no_consent"),
        ([IN_MKT], True, None),
    ],
)
def test_refusal_for_business_initiated_messages(events, marketing, refusal):
    records = [ConsentRecord(kind, scope, at(minute)) for minute, (kind, scope) in enumerate(events)]
    assert consent_state(records).refusal(marketing=marketing) == refusal


records_strategy = st.lists(
    st.builds(
        ConsentRecord,
        kind=st.sampled_from(["opt_in", "opt_out"]),
        scope=st.sampled_from(["all", "marketing"]),
        occurred_at=st.integers(min_value=0, max_value=20).map(at),
    ),
    max_size=12,
)


@given(records=records_strategy, data=st.data())
def test_order_of_the_history_does_not_matter(records, data):
    shuffled = data.draw(st.permutations(records))
    assert consent_state(shuffled) == consent_state(records)


@given(records=records_strategy, kind=st.sampled_from(["opt_in", "opt_out"]))
def test_a_later_event_of_all_decides(records, kind):
    later = at(100)
    state = consent_state([*records, ConsentRecord(kind, "all", later)])
    assert state.opted_out_all is (kind == "opt_out")
    assert state.opted_out_marketing is (kind == "opt_out")
    assert state.opted_in is (kind == "opt_in")
    assert state.last_change_at == later


@given(records=records_strategy, kind=st.sampled_from(["opt_in", "opt_out"]))
def test_a_later_marketing_event_decides_marketing_unless_opted_out_of_all(records, kind):
    before = consent_state(records)
    state = consent_state([*records, ConsentRecord(kind, "marketing", at(100))])
    assert state.opted_out_all is before.opted_out_all
    assert state.opted_out_marketing is (before.opted_out_all or kind == "opt_out")


@given(records=records_strategy)
def test_opted_out_of_all_implies_out_of_marketing_and_no_opt_in(records):
    state = consent_state(records)
    if state.opted_out_all:
        assert state.opted_out_marketing
        assert not state.opted_in
    assert state.opted_in is (state.opted_in_at is not None)


# Opt-out keywords ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", "STOP"),
        ("Stop", "STOP"),
        ("stop", "STOP"),
        (" STOP! ", "STOP"),
        ("stop.", "STOP"),
        ("¡Stop!", "STOP"),
        ("«stop»", "STOP"),
        ("\nStop\n", "STOP"),
        ("🛑 STOP 🛑", "STOP"),
        ("ＳＴＯＰ", "STOP"),  # full-width letters
        ("STOP\u200b", "STOP"),  # a zero-width space
        ("arrêt", "ARRET"),
        ("ARRÊT", "ARRET"),
        ("Arret", "ARRET"),
        ("Stopp", "STOPP"),
        ("baja", "BAJA"),
        ("Désinscription", "DESINSCRIPTION"),
        ("opt out", "OPT OUT"),
        ("Opt   Out", "OPT OUT"),
        ("opt-out", "OPT-OUT"),
        ("unsubscribe", "UNSUBSCRIBE"),
        ("abmelden", "ABMELDEN"),
        ("uitschrijven", "UITSCHRIJVEN"),
    ],
)
def test_a_message_that_is_just_a_keyword_matches(text, expected):
    assert matches_opt_out_keyword(text, DEFAULT_OPT_OUT_KEYWORDS) == expected


@pytest.mark.parametrize(
    "text",
    [
        "please don't stop",
        "stop please",
        "STOP sending me offers",
        "stopped",
        "s t o p",
        "st op",
        "",
        "   ",
        "!!!",
        "🛑",
        "bajar",
        "Cancel my order",
    ],
)
def test_anything_more_than_a_keyword_does_not_match(text):
    assert matches_opt_out_keyword(text, DEFAULT_OPT_OUT_KEYWORDS) is None


def test_the_keyword_is_returned_as_configured():
    assert matches_opt_out_keyword("arret", ["Arrêt"]) == "Arrêt"
    assert matches_opt_out_keyword("ARRÊT", ["arret"]) == "arret"


def test_no_keywords_match_nothing():
    assert matches_opt_out_keyword("STOP", []) is None


def test_a_keyword_of_only_punctuation_never_matches():
    assert matches_opt_out_keyword("!", ["!"]) is None


def test_the_default_keywords_are_reachable_and_short():
    for keyword in DEFAULT_OPT_OUT_KEYWORDS:
        assert normalize_keyword(keyword), keyword
        assert len(keyword) <= 32, keyword
        assert matches_opt_out_keyword(keyword.lower(), DEFAULT_OPT_OUT_KEYWORDS) is not None


@given(
    keyword=st.sampled_from(DEFAULT_OPT_OUT_KEYWORDS),
    before=st.text(alphabet=" \t\n.!?¡¿,;:-*\"'()«»", max_size=4),
    after=st.text(alphabet=" \t\n.!?¡¿,;:-*\"'()«»", max_size=4),
    upper=st.booleans(),
)
def test_any_case_and_surrounding_punctuation_match(keyword, before, after, upper):
    text = before + (keyword.upper() if upper else keyword.lower()) + after
    assert matches_opt_out_keyword(text, DEFAULT_OPT_OUT_KEYWORDS) is not None


@given(keyword=st.sampled_from(DEFAULT_OPT_OUT_KEYWORDS), word=st.from_regex(r"[a-z]{2,8}", fullmatch=True))
def test_a_keyword_inside_a_sentence_never_matches(keyword, word):
    assert matches_opt_out_keyword(f"{word} {keyword} {word}", [keyword]) is None


@pytest.mark.parametrize(
    ("said", "confirms"),
    [
        (["Yes"], True),
        (["  yes! "], True),
        (["Ja"], True),
        (["oui"], True),
        (["Sí"], True),
        (["", "YES"], True),  # a quick-reply button's payload
        (["Confirm"], True),
        (["Yes please, but what is it?"], False),
        (["No"], False),
        (["STOP"], False),
        ([""], False),
    ],
)
def test_what_confirms_a_double_opt_in(said, confirms):
    assert is_opt_in_confirmation(said) is confirms
