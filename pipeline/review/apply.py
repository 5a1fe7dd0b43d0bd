"""Lay the reviewers' corrections over a run's results, before the outputs are written.

A correction applies to its own ficha only: the same document (sha256) and the same codigo.
The corrected field takes the reviewer's value at confidence 1.0 and says it was reviewed. If
this run read other text for the field than the reviewer saw (a new scan, a new template),
the correction still applies and the field is flagged to review again. A correction whose ficha
is not in the results is kept in the store and reported, never moved to another ficha.
"""
from __future__ import annotations

from dataclasses import replace

from pipeline.records import DocumentResult, FieldValue, Ficha
from pipeline.review.store import Correction, FieldKey


def apply_corrections(results: list[DocumentResult], latest: dict[FieldKey, Correction]) -> list[Correction]:
    """Apply `latest` to the fichas of `results` in place; returns the corrections left unapplied."""
    corrections = Corrections(latest)
    for result in results:
        corrections.apply(result)
    return corrections.unapplied()


class Corrections:
    """The corrections in force, laid over results one at a time (a batch streams them)."""

    def __init__(self, latest: dict[FieldKey, Correction]):
        self._latest = latest
        self._by_ficha: dict[tuple[str, str], list[Correction]] = {}
        for c in latest.values():
            self._by_ficha.setdefault((c.sha256, c.codigo), []).append(c)
        self._applied: set[FieldKey] = set()

    def apply(self, result: DocumentResult) -> DocumentResult:
        """The result with its fichas' corrections applied (in place)."""
        for index, ficha in enumerate(result.fichas):
            if corrections := self._by_ficha.get((ficha.documento, ficha.codigo)):
                result.fichas[index] = corrected(ficha, corrections)
                self._applied.update(c.key for c in corrections)
        return result

    def unapplied(self) -> list[Correction]:
        """Those whose ficha was in none of the results applied so far."""
        return [c for key, c in self._latest.items() if key not in self._applied]


def corrected(ficha: Ficha, corrections: list[Correction]) -> Ficha:
    fields = dict(ficha.fields)
    for c in corrections:
        found = fields.get(c.field)
        if found is None:  # this run found no value where the reviewer set one
            found = FieldValue(None, 0.0, None, None, None)
        fields[c.field] = replace(found, value=c.new_value, confidence=1.0, revisado=True,
                                  revisar=found.raw != c.raw_seen,
                                  evidence=(*found.evidence, f"revisado:{c.reviewer}:{c.created}"))
    return replace(ficha, fields=fields)
