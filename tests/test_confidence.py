"""Confidence from checkable evidence: one word Tesseract was unsure of sends a field to review."""
from pipeline.lines import to_line
from pipeline.records import Word
from extractors.confidence import Evidence, score


def words(*confidences: float) -> list[Word]:
    return [Word(f"palabra{i}", (10.0 * i, 0.0, 10.0 * i + 8, 10.0), c) for i, c in enumerate(confidences)]


def test_a_line_knows_its_weakest_real_word():
    line = to_line(words(0.96, 0.22, 0.95) + [Word("—", (40.0, 0, 44, 10), 0.05)], range(4), 1)
    assert line.weakest == 0.22  # the dash is a mark, not a word
    assert abs(line.confidence - (0.96 + 0.22 + 0.95 + 0.05) / 4) < 1e-9  # the mean still counts every word


def test_one_doubtful_word_sends_a_well_read_value_to_review():
    sure = Evidence("full", 0.95, 0, 20, valid=True, weakest=0.8)
    doubtful = Evidence("full", 0.95, 0, 20, valid=True, weakest=0.2)
    assert score(sure) >= 0.9
    assert score(doubtful) < 0.6


def test_legacy_text_has_no_word_confidences_and_is_not_marked_down():
    assert score(Evidence("full", None, 0, 20, valid=True)) == score(Evidence("full", None, 0, 20, valid=True, weakest=None))
    assert score(Evidence("full", None, 0, 20, valid=True)) > 0.9


def test_a_labelled_legacy_value_with_a_few_restored_accents_needs_no_review():
    assert score(Evidence("full", None, 4, 40, valid=True)) >= 0.9  # accents put back in a tenth of the words
    assert score(Evidence("full", None, 30, 40, valid=True)) < 0.9  # a value mostly rewritten is mostly guessed
    assert score(Evidence("shared", None, 0, 40, valid=True)) < 0.9  # shared out from a run of labels: to review


def test_a_reading_at_ninety_percent_is_as_sure_as_a_text_layer():
    """Tesseract's word confidences run low: a mean of 0.9 is a sure reading, 0.8 is not."""
    sure = score(Evidence("full", 0.9, 0, 20, valid=True, weakest=0.5))
    assert sure == score(Evidence("full", 1.0, 0, 20, valid=True, weakest=0.5)) >= 0.9
    assert score(Evidence("full", 0.8, 0, 20, valid=True, weakest=0.5)) < 0.9


def test_only_a_reviewer_gives_full_confidence():
    assert score(Evidence("full", 1.0, 0, 20, valid=True, weakest=1.0)) < 1.0
