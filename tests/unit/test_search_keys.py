"""The search-key encoding: what each extracted entry stores, and which keys a search looks up."""

from datetime import UTC, datetime

from gateway.store.criteria import EntryMatch
from gateway.store.search_keys import LIVE_KEY, document_keys, entry_keys, narrowing_keys, prefix_residual


def test_a_string_keeps_its_folded_value_its_short_prefixes_and_its_exact_form():
    keys = entry_keys({"p": "family", "v": "chalmers", "x": "Chalmers"})
    assert {"family", "family=chalmers", "family:Chalmers", "family^c", "family^chalme"} <= set(keys)
    assert "family^chalmer" not in keys


def test_a_coded_value_is_keyed_with_and_without_its_system():
    keys = entry_keys({"p": "identifier", "c": "12345", "s": "urn:oid:1"})
    assert {"identifier#12345", "identifier|urn:oid:1|12345", "identifier!urn:oid:1"} <= set(keys)
    assert "identifier||7" in entry_keys({"p": "identifier", "c": "7"})


def test_a_date_lists_the_years_it_touches_and_a_long_period_one_long_key():
    day = {
        "p": "birthdate",
        "lo": datetime(1974, 12, 25, tzinfo=UTC),
        "hi": datetime(1974, 12, 26, tzinfo=UTC),
    }
    assert "birthdate@1974" in entry_keys(day)
    year = {"p": "birthdate", "lo": datetime(1974, 1, 1, tzinfo=UTC), "hi": datetime(1975, 1, 1, tzinfo=UTC)}
    assert [key for key in entry_keys(year) if "@" in key] == ["birthdate@1974"]
    open_period = {"p": "period", "lo": datetime(2000, 1, 1, tzinfo=UTC), "hi": datetime.max}
    assert "period@long" in entry_keys(open_period)


def test_every_live_document_carries_the_live_key():
    assert document_keys([])[0] == LIVE_KEY


def test_short_prefixes_are_decided_by_one_key_and_long_ones_narrowed_then_checked():
    assert narrowing_keys(EntryMatch("family", starts_with=("v", "chal"))) == (["family^chal"], True)
    long_prefix = EntryMatch("family", starts_with=("v", "chalmers"))
    assert narrowing_keys(long_prefix) == (["family^chalme"], False)
    assert prefix_residual(long_prefix) == {"keys": {"$regex": "^family=chalmers"}}


def test_a_bounded_date_search_looks_up_its_years_and_an_open_ended_one_none():
    low, high = datetime(1974, 1, 1, tzinfo=UTC), datetime(1975, 1, 1, tzinfo=UTC)
    within = EntryMatch("birthdate", bounds=(("lo", "$gte", low), ("hi", "$lte", high)))
    assert narrowing_keys(within) == (["birthdate@1974"], False)
    overlap = EntryMatch("birthdate", bounds=(("lo", "$lt", high), ("hi", "$gt", low)))
    assert narrowing_keys(overlap)[0] == ["birthdate@1974", "birthdate@long"]
    assert narrowing_keys(EntryMatch("birthdate", bounds=(("hi", "$gt", high),))) == (None, False)


def test_a_bounded_number_search_looks_up_whole_numbers():
    match = EntryMatch("value", bounds=(("n", "$gte", 5.35), ("n", "$lt", 5.45)))
    assert narrowing_keys(match) == (["value%5"], False)
    assert "value%5" in entry_keys({"p": "value", "n": 5.4})
