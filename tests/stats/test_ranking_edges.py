"""Competition ranking at its edges: the sample minimum on either side, ties, the direction, and the unranked tail."""
import pytest

from reporter.stats.ranking import rank


def names(rows):
    return [(r["name"], r["rank"], r["small_sample"]) for r in rows]


def test_a_sample_of_exactly_the_minimum_is_ranked_and_one_less_is_not():
    rows = [{"name": "a", "pct": 90.0, "n": 5}, {"name": "b", "pct": 99.0, "n": 4}, {"name": "c", "pct": 80.0, "n": 6},
            {"name": "d", "pct": 70.0, "n": None}]
    ranked = rank(rows, "pct", key=("name",), sample="n", minimum=5)
    assert names(ranked) == [("a", 1, False), ("c", 2, False), ("b", None, True), ("d", None, True)]
    assert ranked[0] == {"name": "a", "pct": 90.0, "rank": 1, "small_sample": False, "n": 5}
    assert ranked[2] == {"name": "b", "pct": 99.0, "rank": None, "small_sample": True, "n": 4}


def test_ties_share_a_rank_and_the_next_rank_skips():
    rows = [{"name": n, "pct": p} for n, p in [("a", 50.0), ("b", 80.0), ("c", 80.0), ("d", 10.0), ("e", 50.0)]]
    assert names(rank(rows, "pct", key=("name",))) == [
        ("b", 1, False), ("c", 1, False), ("a", 3, False), ("e", 3, False), ("d", 5, False)]


def test_lower_is_better():
    rows = [{"name": n, "days": d} for n, d in [("a", 3.0), ("b", 1.0), ("c", 2.0), ("d", 1.0)]]
    assert names(rank(rows, "days", key=("name",), higher_is_better=False)) == [
        ("b", 1, False), ("d", 1, False), ("c", 3, False), ("a", 4, False)]


def test_without_a_sample_only_a_missing_figure_is_unranked_and_no_sample_key_is_added():
    rows = [{"name": "a", "pct": None, "n": 1}, {"name": "b", "pct": 0.0, "n": 0}, {"name": "c", "pct": 5.0, "n": 0}]
    ranked = rank(rows, "pct", key=("name",), minimum=10)
    assert names(ranked) == [("c", 1, False), ("b", 2, False), ("a", None, True)]
    assert all("n" not in r for r in ranked)
    assert ranked[2] == {"name": "a", "pct": None, "rank": None, "small_sample": True}


def test_the_unranked_tail_lists_the_best_figures_first_and_missing_ones_last():
    rows = [{"name": "a", "pct": None, "n": 9}, {"name": "b", "pct": 20.0, "n": 1}, {"name": "c", "pct": 60.0, "n": 2},
            {"name": "d", "pct": 0.0, "n": 0}]
    assert names(rank(rows, "pct", key=("name",), sample="n", minimum=3)) == [
        ("c", None, True), ("b", None, True), ("d", None, True), ("a", None, True)]
    assert rank([], "pct", key=("name",)) == []


def test_a_missing_sample_counts_as_none_and_the_default_minimum_ranks_every_count():
    rows = [{"name": "a", "pct": 50.0, "n": None}, {"name": "b", "pct": 40.0, "n": 0}]
    assert names(rank(rows, "pct", key=("name",), sample="n")) == [("a", 1, False), ("b", 2, False)]
    assert names(rank(rows, "pct", key=("name",), sample="n", minimum=1)) == [("a", None, True), ("b", None, True)]


def test_the_unranked_tail_orders_figures_around_zero():
    rows = [{"name": n, "pct": p, "n": 0} for n, p in [("a", 0.0), ("b", 0.5), ("c", -0.5)]]
    assert [r["name"] for r in rank(rows, "pct", key=("name",), sample="n", minimum=1)] == ["b", "a", "c"]


def test_the_options_are_named():
    with pytest.raises(TypeError):
        rank([], "pct", ("name",))
