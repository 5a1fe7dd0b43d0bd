"""The prepared word data (`corrections/data/es_freq.txt`, `en_zipf.txt`, `es_forms.txt`) gives
what wordfreq and the skeleton index gave when they were built at run time."""
import random
from importlib.metadata import version

import pytest
import wordfreq

from corrections.lexicon import (ENGLISH_ZIPF, FORMS, SPANISH_FREQ, base_lexicon, in_spanish_list, skeleton,
                                 spanish_frequencies, zipf_frequency)

pytestmark = pytest.mark.skipif(
    f"wordfreq {version('wordfreq')}," not in SPANISH_FREQ.read_text(encoding="utf-8").splitlines()[0],
    reason="another wordfreq than the data was prepared from: run `python -m corrections.build_lexicon --frequencies`",
)


def some_words() -> list[str]:
    """Listed words of both languages, misreadings, and words wordfreq must tokenize itself."""
    rng = random.Random(7)
    english = [w for w in wordfreq.iter_wordlist("en", "large")][::37]
    spanish = [w for w in wordfreq.iter_wordlist("es", "large")][::37]
    letters = "abcdefghijklmnopqrstuvwxyzáéíóúüñ"
    made_up = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 9))) for _ in range(3000)]
    odd = ["naïve", "straße", "º", "ª", "covid19", "l'eau", "ΑΘΗΝΑ", "año2020", "poblacio\u0301n", "İstanbul"]
    return english + spanish + made_up + odd


def test_spanish_frequencies_are_wordfreqs():
    assert spanish_frequencies() == wordfreq.get_frequency_dict("es", "large")


def test_zipf_frequency_and_spanish_list_agree_with_wordfreq():
    for word in some_words():
        assert zipf_frequency(word, "en") == wordfreq.zipf_frequency(word, "en"), word
        assert in_spanish_list(word) == (wordfreq.zipf_frequency(word, "es") > 0), word


def test_every_form_is_filed_under_its_skeleton():
    lexicon = base_lexicon()
    forms = [f for line in FORMS.read_text(encoding="utf-8").splitlines() for f in line.split("\t")[1].split(" ")]
    assert len(forms) == len(set(forms)) > 160_000
    assert all(f in lexicon.candidates(skeleton(f)) and lexicon.is_valid(f) for f in forms)
    assert ENGLISH_ZIPF.read_text(encoding="utf-8").startswith(f"# wordfreq {version('wordfreq')},")
