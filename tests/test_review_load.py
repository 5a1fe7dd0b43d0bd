"""Several reviewers saving the same fields at once, against the real `fichas review` process on
the loopback: nothing lost, nothing answered with a server error, every field's history whole
(tests/bench/review_load.py at a small size; its full size is a benchmark)."""
from tests.bench.review_load import review_load


def test_reviewers_saving_the_same_fields_at_once_lose_nothing(tmp_path):
    report = review_load(tmp_path / "out", clients=5, saves=10, fields=2)
    assert report.server_errors == []
    assert report.problems == []  # store == recorded saves, histories chained, pages whole, re-run applies them
    assert len(report.recorded) + len(report.conflicts) == len(report.saves) == 50
    assert report.recorded and report.conflicts
