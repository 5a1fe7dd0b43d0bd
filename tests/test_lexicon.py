"""The lexicon's validity lookup: forms are found among those sharing their skeleton."""
from corrections.lexicon import FORMS, base_lexicon


def test_each_form_is_valid_and_two_forms_joined_are_not():
    lexicon = base_lexicon()
    groups = [line.split("\t")[1] for line in FORMS.read_text(encoding="utf-8").splitlines()[:5000]
              if not line.startswith("#")]
    crowded = next(g for g in groups if g.count(" ") >= 2)  # three forms or more share a skeleton
    forms = crowded.split(" ")
    assert all(lexicon.is_valid(form) for form in forms)
    assert not lexicon.is_valid(" ".join(forms[:2]))
    assert lexicon.is_valid("niños") and not lexicon.is_valid("nifios")
    assert lexicon.with_domain(["Tulcán"]).is_valid("tulcán")
