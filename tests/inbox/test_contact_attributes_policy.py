"""Contact attributes: a merge patch of short texts by lowercase key."""

from __future__ import annotations

import pytest

from inbox.policy import MAX_ATTRIBUTES, attributes_changed

CURRENT = {"customer_no": "C-1042", "city": "Lyon"}


@pytest.mark.parametrize(
    ("changes", "attributes", "problems"),
    [
        ({}, CURRENT, {}),
        ({"tier": "gold"}, {**CURRENT, "tier": "gold"}, {}),
        ({"city": "  Paris "}, {**CURRENT, "city": "Paris"}, {}),
        ({"city": None}, {"customer_no": "C-1042"}, {}),
        ({"city": ""}, {"customer_no": "C-1042"}, {}),
        ({"city": "   "}, {"customer_no": "C-1042"}, {}),
        ({"unknown": None}, CURRENT, {}),
        ({"orders": 3}, {**CURRENT, "orders": "3"}, {}),
        ({"balance": 12.5}, {**CURRENT, "balance": "12.5"}, {}),
        ({"a" * 40: "x"}, {**CURRENT, "a" * 40: "x"}, {}),
        ({"a" * 41: "x"}, CURRENT, {"a" * 41: "key_invalid"}),
        ({"City": "x"}, CURRENT, {"City": "key_invalid"}),
        ({"1st": "x"}, CURRENT, {"1st": "key_invalid"}),
        ({"first name": "x"}, CURRENT, {"first name": "key_invalid"}),
        ({"": "x"}, CURRENT, {"": "key_invalid"}),
        ({"vip": True}, CURRENT, {"vip": "value_not_text"}),
        ({"tags": ["a"]}, CURRENT, {"tags": "value_not_text"}),
        ({"address": {"city": "x"}}, CURRENT, {"address": "value_not_text"}),
        ({"note": "x" * 500}, {**CURRENT, "note": "x" * 500}, {}),
        ({"note": "x" * 501}, CURRENT, {"note": "value_too_long"}),
    ],
)
def test_a_change_is_merged_or_refused_by_key(changes, attributes, problems):
    changed = attributes_changed(CURRENT, changes)
    assert changed.problems == problems
    if not problems:
        assert changed.attributes == attributes


def test_at_most_fifty_attributes():
    full = {f"key_{n}": "x" for n in range(MAX_ATTRIBUTES)}
    assert attributes_changed(full, {"key_0": "y"}).problems == {}
    assert attributes_changed(full, {"one_more": "y"}).problems == {"": "too_many"}
    assert attributes_changed(full, {"one_more": "y", "key_1": None}).problems == {}
