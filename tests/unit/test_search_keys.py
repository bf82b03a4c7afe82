"""The search-key encoding: what each extracted entry stores, and which keys a search looks up."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from gateway.store.criteria import AnyOf, Condition, EntryMatch
from gateway.store.search_keys import (
    LIVE_KEY,
    date_comparisons_keys,
    date_overlap,
    document_keys,
    entry_keys,
    narrowing_keys,
    prefix_residual,
)


def test_a_string_keeps_its_folded_value_its_short_prefixes_and_its_exact_form():
    keys = entry_keys({"p": "family", "v": "chalmers", "x": "Chalmers"})
    assert {"family", "family=chalmers", "family:Chalmers", "family^c", "family^chalme"} <= set(keys)
    assert "family^chalmer" not in keys


def test_a_coded_value_is_keyed_with_and_without_its_system():
    keys = entry_keys({"p": "identifier", "c": "12345", "s": "urn:oid:1"})
    assert {"identifier#12345", "identifier|urn:oid:1|12345", "identifier!urn:oid:1"} <= set(keys)
    assert "identifier||7" in entry_keys({"p": "identifier", "c": "7"})


def test_a_date_lists_the_years_decades_centuries_and_millennia_it_touches_and_a_long_period_one_long_key():
    day = {
        "p": "birthdate",
        "lo": datetime(1974, 12, 25, tzinfo=UTC),
        "hi": datetime(1974, 12, 26, tzinfo=UTC),
    }
    assert [key for key in entry_keys(day) if "@" in key] == [
        "birthdate@1974",
        "birthdate@d197",
        "birthdate@c19",
        "birthdate@m1",
        "birthdate@1974-12",
    ]
    year = {"p": "birthdate", "lo": datetime(1974, 1, 1, tzinfo=UTC), "hi": datetime(1975, 1, 1, tzinfo=UTC)}
    assert "birthdate@1975" not in entry_keys(year)
    assert "birthdate@y1974" in entry_keys(year) and not any("@1974-" in key for key in entry_keys(year))
    crossing = {"p": "period", "lo": datetime(1999, 6, 1, tzinfo=UTC), "hi": datetime(2001, 1, 1, tzinfo=UTC)}
    assert {"period@1999", "period@2000", "period@d199", "period@d200", "period@c19", "period@c20"} <= set(
        entry_keys(crossing)
    )
    assert {"period@y1999", "period@y2000"} <= set(entry_keys(crossing))
    open_period = {"p": "period", "lo": datetime(2000, 1, 1, tzinfo=UTC), "hi": datetime.max}
    assert [key for key in entry_keys(open_period) if "@" in key] == ["period@long"]
    reversed_period = {"p": "period", "lo": datetime(2001, 1, 1, tzinfo=UTC), "hi": datetime(2000, 1, 1)}
    assert [key for key in entry_keys(reversed_period) if "@" in key] == ["period@long"]


def test_every_live_document_carries_the_live_key():
    assert document_keys([])[0] == LIVE_KEY


def test_short_prefixes_are_decided_by_one_key_and_long_ones_narrowed_then_checked():
    assert narrowing_keys(EntryMatch("family", starts_with=("v", "chal"))) == (["family^chal"], True)
    long_prefix = EntryMatch("family", starts_with=("v", "chalmers"))
    assert narrowing_keys(long_prefix) == (["family^chalme"], False)
    assert prefix_residual(long_prefix) == {"keys": {"$regex": "^family=chalmers"}}


def test_a_bounded_date_search_looks_up_its_years_and_long_entries():
    low, high = datetime(1974, 1, 1, tzinfo=UTC), datetime(1975, 1, 1, tzinfo=UTC)
    within = EntryMatch("birthdate", bounds=(("lo", "$gte", low), ("hi", "$lte", high)))
    assert narrowing_keys(within) == (["birthdate@1974", "birthdate@long"], False)
    overlap = EntryMatch("birthdate", bounds=(("lo", "$lt", high), ("hi", "$gt", low)))
    assert narrowing_keys(overlap)[0] == ["birthdate@1974", "birthdate@long"]


def test_an_open_ended_date_search_looks_up_the_fewest_buckets_that_cover_it():
    after = EntryMatch("birthdate", bounds=(("hi", "$gt", datetime(2019, 1, 2, tzinfo=UTC)),))
    keys, decided = narrowing_keys(after)
    assert not decided
    assert keys is not None and len(keys) <= 30
    assert {"birthdate@2019", "birthdate@d202", "birthdate@c21", "birthdate@m3", "birthdate@long"} <= set(
        keys
    )
    assert not {"birthdate@2018", "birthdate@d201", "birthdate@c20", "birthdate@m2"} & set(keys)
    before = EntryMatch("birthdate", bounds=(("lo", "$lt", datetime(1980, 3, 5, tzinfo=UTC)),))
    assert narrowing_keys(before)[0] == [
        "birthdate@1980-01",
        "birthdate@1980-02",
        "birthdate@1980-03",
        "birthdate@y1980",
        *(f"birthdate@d{decade}" for decade in range(190, 198)),
        *(f"birthdate@c{century}" for century in range(10, 19)),
        "birthdate@m0",
        "birthdate@long",
    ]


def test_a_partial_year_is_looked_up_by_its_months_so_a_day_search_reads_its_month_not_its_year():
    day = EntryMatch("birthdate", bounds=(("lo", "$gte", _day(1974, 3, 5)), ("hi", "$lte", _day(1974, 3, 6))))
    assert narrowing_keys(day)[0] == ["birthdate@1974-03", "birthdate@y1974", "birthdate@long"]
    born_in_april = entry_keys({"p": "birthdate", "lo": _day(1974, 4, 2), "hi": _day(1974, 4, 3)})
    assert not set(narrowing_keys(day)[0] or []) & set(born_in_april)


@pytest.mark.parametrize("seed", range(4))
def test_every_entry_a_date_range_can_match_shares_a_key_with_the_range(seed: int):
    rng = random.Random(seed)
    for _ in range(2000):
        start = datetime(rng.randint(1, 9998), rng.randint(1, 12), rng.randint(1, 28), tzinfo=UTC)
        entry_low = datetime(rng.randint(1, 9970), rng.randint(1, 12), rng.randint(1, 28), tzinfo=UTC)
        days = rng.choice([rng.randint(1, 9000), rng.randint(1, 100)])  # short entries get month keys
        entry = {"p": "date", "lo": entry_low, "hi": entry_low + timedelta(days=days)}
        field_name, op = rng.choice([("hi", "$gt"), ("lo", "$lt"), ("lo", "$gte"), ("hi", "$lte")])
        match = EntryMatch("date", bounds=((field_name, op, start),))
        value = entry[field_name]
        holds = value > start if op == "$gt" else value < start if op == "$lt" else value >= start
        if op == "$lte":
            holds = value <= start
        keys = narrowing_keys(match)[0]
        assert keys is not None
        if holds:
            assert set(keys) & set(entry_keys(entry)), (entry, match)


def test_a_number_search_looks_up_whole_numbers_or_magnitude_blocks_however_open():
    match = EntryMatch("value", bounds=(("n", "$gte", 5.35), ("n", "$lt", 5.45)))
    assert narrowing_keys(match) == (["value%5"], False)
    assert {"value%5", "value%e1:0", "value%e6:0"} <= set(entry_keys({"p": "value", "n": 5.4}))
    above = narrowing_keys(EntryMatch("value", bounds=(("n", "$gt", 95.5),)))[0]
    assert above is not None and len(above) < 70
    assert {"value%95", "value%99", "value%e2:1", "value%e3:1", "value%>"} <= set(above)
    assert not set(above) & set(entry_keys({"p": "value", "n": 94.9}))
    below = narrowing_keys(EntryMatch("value", bounds=(("n", "$lte", -3.5),)))[0]
    assert below is not None and set(below) & set(entry_keys({"p": "value", "n": -250.0}))
    assert not set(below) & set(entry_keys({"p": "value", "n": -3.0}))


@pytest.mark.parametrize("seed", range(4))
def test_every_number_a_comparison_can_match_shares_a_key_with_it(seed: int):
    rng = random.Random(seed)
    for _ in range(3000):
        point = rng.uniform(-3e7, 3e7) if rng.random() < 0.3 else rng.uniform(-500, 500)
        value = rng.uniform(-3e7, 3e7) if rng.random() < 0.3 else rng.uniform(-500, 500)
        op = rng.choice(["$gt", "$gte", "$lt", "$lte"])
        holds = {"$gt": value > point, "$gte": value >= point, "$lt": value < point, "$lte": value <= point}[
            op
        ]
        keys = narrowing_keys(EntryMatch("value", bounds=(("n", op, point),)))[0]
        assert keys is not None
        if holds:
            assert set(keys) & set(entry_keys({"p": "value", "n": value})), (value, op, point)


def _day(year: int, month: int = 1, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def test_a_ge_and_lt_pair_on_one_parameter_looks_up_the_range_between_them_not_each_side():
    after = AnyOf(
        (
            EntryMatch("birthdate", bounds=(("hi", "$gt", _day(2019, 1, 2)),)),
            EntryMatch("birthdate", bounds=(("lo", "$gte", _day(2019)), ("hi", "$lte", _day(2019, 1, 2)))),
        )
    )
    before = EntryMatch("birthdate", bounds=(("lo", "$lt", _day(2019, 7)),))
    overlaps = [date_overlap(after), date_overlap(before)]
    assert all(overlap is not None and overlap[0] == "birthdate" for overlap in overlaps)
    keys = date_comparisons_keys("birthdate", [(overlap[1], overlap[2]) for overlap in overlaps if overlap])
    # The half-year's months, and the entries too long for month keys that touch 2019: not the whole year.
    assert keys == [
        *(f"birthdate@2019-0{month}" for month in range(1, 7)),
        "birthdate@y2019",
        "birthdate@long",
    ]
    naive = {year: _day(year).replace(tzinfo=None) for year in (2010, 2020)}
    apart = date_comparisons_keys("birthdate", [(naive[2020], datetime.max), (datetime.min, naive[2010])])
    assert apart is None, "no range between gt2020 and lt2010: each side narrows alone"


def test_several_date_entries_of_one_parameter_are_also_keyed_by_their_hull():
    entries = [
        {"p": "location-period", "lo": _day(1990, 3), "hi": _day(1990, 4)},
        {"p": "location-period", "lo": _day(1999, 5), "hi": _day(1999, 6)},
        {"p": "birthdate", "lo": _day(1974), "hi": _day(1974, 1, 2)},
    ]
    keys = document_keys(entries)
    assert {"location-period@1995", "location-period@d199"} <= set(keys)
    assert not any(
        key.startswith("birthdate@197") and key not in {"birthdate@1974", "birthdate@1974-01"} for key in keys
    )
    wide = document_keys([{**entries[0], "lo": _day(1950)}, entries[1]])
    assert "location-period@long" in wide


def _holds(condition: Condition, entry: dict) -> bool:
    if isinstance(condition, AnyOf):
        return any(_holds(item, entry) for item in condition.conditions)
    assert isinstance(condition, EntryMatch)
    tests = {"$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b, "$lt": lambda a, b: a < b}
    tests["$lte"] = lambda a, b: a <= b
    return all(tests[op](entry[field_name], value) for field_name, op, value in condition.bounds)


def _random_comparison(rng: random.Random) -> Condition:
    low = _day(rng.randint(1900, 2030), rng.randint(1, 12), rng.randint(1, 28))
    high = low + timedelta(days=rng.choice([1, 31, 90, 365]))
    within = EntryMatch("date", bounds=(("lo", "$gte", low), ("hi", "$lte", high)))
    return rng.choice(
        [
            within,
            EntryMatch("date", bounds=(("hi", "$gt", high),)),
            EntryMatch("date", bounds=(("lo", "$lt", low),)),
            AnyOf((EntryMatch("date", bounds=(("hi", "$gt", high),)), within)),
            AnyOf((EntryMatch("date", bounds=(("lo", "$lt", low),)), within)),
            EntryMatch("date", bounds=(("lo", "$gte", high),)),
            EntryMatch("date", bounds=(("hi", "$lte", low),)),
        ]
    )


@pytest.mark.parametrize("seed", range(4))
def test_every_document_matching_several_date_comparisons_holds_a_key_of_the_range_between_them(seed: int):
    rng = random.Random(seed)
    checked = 0
    for _ in range(3000):
        entries = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            low = _day(rng.randint(1900, 2030), rng.randint(1, 12), rng.randint(1, 28))
            entries.append(
                {"p": "date", "lo": low, "hi": low + timedelta(days=rng.choice([1, 30, 70, 100, 400, 9000]))}
            )
        conditions = [_random_comparison(rng) for _ in range(rng.choice([2, 2, 3]))]
        if not all(any(_holds(condition, entry) for entry in entries) for condition in conditions):
            continue
        overlaps = [date_overlap(condition) for condition in conditions]
        keys = date_comparisons_keys("date", [(overlap[1], overlap[2]) for overlap in overlaps if overlap])
        if keys is not None:
            checked += 1
            assert set(keys) & set(document_keys(entries)), (entries, conditions)
    assert checked > 100
