"""The store's query shapes: what a search asks the engine for (gateway/store/query.py)."""

from typing import Any

from gateway.fhir.search_parameters import SearchParameter
from gateway.service.search_values import date_condition
from gateway.store.query import search_filter

BIRTHDATE = SearchParameter("birthdate", "date", "Patient.birthDate", "")


def _key_lookups(query: dict[str, Any]) -> list[Any]:
    clauses = query["$and"] if set(query) == {"$and"} else [query]
    return [clause["keys"] for clause in clauses if "keys" in clause]


def test_a_ge_and_lt_pair_is_one_key_lookup_of_the_range_between_them():
    query = search_filter(
        [date_condition(BIRTHDATE, "ge2019-01-01"), date_condition(BIRTHDATE, "lt2019-07-01")]
    )
    # Apart, the `lt` side alone named every birth before July 2019 (20 keys) and the `ge` side every later
    # one: engines that intersect key lookups read the larger list.
    months = [f"birthdate@2019-0{month}" for month in range(1, 7)]
    assert _key_lookups(query) == [{"$in": [*months, "birthdate@y2019", "birthdate@long"]}]
    assert str(query).count("$elemMatch") == 3, "each comparison is still decided exactly (ge is gt or eq)"


def test_comparisons_with_no_range_between_them_narrow_each_on_its_own():
    query = search_filter([date_condition(BIRTHDATE, "gt2020"), date_condition(BIRTHDATE, "lt2010")])
    assert len(_key_lookups(query)) == 2


def test_a_single_comparison_keeps_its_own_cover():
    (lookup,) = _key_lookups(search_filter([date_condition(BIRTHDATE, "lt1980-03-05")]))
    assert "birthdate@1980-03" in lookup["$in"] and "birthdate@d197" in lookup["$in"]
