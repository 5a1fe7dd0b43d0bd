"""Regenerate the repairer's word data: `data/es_forms.txt`, `data/es_freq.txt`, `data/en_zipf.txt`.

Not used at run time: a run reads these files, never wordfreq's own (importing wordfreq and
building its lists took ~1 s of every run's start).

`es_forms.txt`, the Spanish word forms the repairer takes as valid: wordfreq's Spanish list
has frequencies but also the web's accentless misspellings ("poblacion", "tematicas");
Debian's wspanish has no plurals or verb forms. So the valid forms are the words of
wordfreq's list that Hunspell's Spanish dictionary accepts (as written or capitalised, so
place names count), plus wspanish's words that wordfreq knows, plus every spelling of those
words with the accent moved or dropped (or ñ/ü plain) that Hunspell accepts. They are
written grouped by skeleton, the key the repairer looks them up by.

`es_freq.txt` and `en_zipf.txt`: wordfreq's Spanish and English "large" lists (see
`corrections.lexicon` for what is kept and why).

Needs, at build time only: `apt-get install hunspell hunspell-es wspanish` (not for `--frequencies`).
Run: `python -m corrections.build_lexicon [--frequencies]`.
"""
from __future__ import annotations

import argparse
import re
import subprocess
from importlib.metadata import version
from pathlib import Path

import wordfreq

from corrections.lexicon import ENGLISH_ZIPF, FORMS, PLAIN_WORD, SPANISH_FREQ, skeleton

OUT = FORMS
HUNSPELL_DICT = "es_EC"
WSPANISH = Path("/usr/share/dict/spanish")
LETTERS = re.compile(r"[a-záéíóúüñ]+")
ACUTE = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú"}
UNACUTE = str.maketrans("áéíóú", "aeiou")
UNMARK = str.maketrans("ñü", "nu")


def accepted(words: list[str]) -> set[str]:
    """The words Hunspell accepts (`-G` prints only the correct ones)."""
    run = subprocess.run(["hunspell", "-d", HUNSPELL_DICT, "-G"], input="\n".join(words),
                         capture_output=True, text=True, check=True)
    return set(run.stdout.split())


def twins(word: str) -> set[str]:
    """The spellings of `word` with its accent moved or dropped and ñ/ü plain or not.

    wordfreq lacks many rare forms whose accented twin it has ("orbitara" beside
    "orbitará", "sistematizo" beside "sistematizó"); unless they are listed as valid, the
    repairer would "restore" an accent on a correct word.
    """
    plain = word.translate(UNACUTE)
    bases = {plain, plain.translate(UNMARK)}
    out = set()
    for base in bases:
        out.add(base)
        out.update(base[:i] + ACUTE[c] + base[i + 1:] for i, c in enumerate(base) if c in ACUTE)
    return out - {word}


def build() -> list[str]:
    """Lowercase valid forms, sorted."""
    known = [w for w in wordfreq.iter_wordlist("es", "large") if LETTERS.fullmatch(w)]
    valid = {w.lower() for w in accepted([w.capitalize() for w in known])}
    if WSPANISH.exists():
        listed = {w.strip().lower() for w in WSPANISH.read_text(encoding="utf-8").split()}
        valid |= listed & set(known)
    candidates = sorted({t for w in valid for t in twins(w)} - valid)
    valid |= {w.lower() for w in accepted(candidates)}
    return sorted(valid)


def grouped(forms: list[str]) -> str:
    """`skeleton<TAB>form form ...` lines, in skeleton order, each group's forms sorted."""
    groups: dict[str, list[str]] = {}
    for form in sorted(forms):
        groups.setdefault(skeleton(form), []).append(form)
    return "".join(f"{key}\t{' '.join(group)}\n" for key, group in sorted(groups.items()))


def header(what: str) -> str:
    return f"# wordfreq {version('wordfreq')}, {what}\n"


def frequencies() -> tuple[str, str]:
    """The texts of `es_freq.txt` (centibels below 1, then the words of that frequency: the whole
    list) and `en_zipf.txt` (Zipf value, then the words: only words of plain letters, the only
    ones looked up in it). Each is checked against wordfreq itself."""
    spanish = wordfreq.get_frequency_list("es", "large")
    es_lines = [f"{centibels}\t{' '.join(words)}\n" for centibels, words in enumerate(spanish) if words]
    english: dict[float, list[str]] = {}
    for words in wordfreq.get_frequency_list("en", "large"):
        for word in words:
            if PLAIN_WORD.fullmatch(word):
                english.setdefault(wordfreq.zipf_frequency(word, "en"), []).append(word)
    en_lines = [f"{zipf!r}\t{' '.join(words)}\n" for zipf, words in sorted(english.items(), reverse=True)]
    spanish_plain = [w for words in spanish for w in words if PLAIN_WORD.fullmatch(w)]
    assert all(wordfreq.zipf_frequency(w, "es") > 0 for w in spanish_plain), "a listed word with no frequency"
    return (header("Spanish \"large\" list, by centibels below 1") + "".join(es_lines),
            header("English \"large\" list, words of plain letters, by Zipf value") + "".join(en_lines))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m corrections.build_lexicon", description=__doc__.splitlines()[0])
    ap.add_argument("--frequencies", action="store_true", help="only es_freq.txt and en_zipf.txt (no Hunspell needed)")
    args = ap.parse_args(argv)
    if not args.frequencies:
        words = build()
        OUT.write_text(grouped(words), encoding="utf-8")
        print(f"{len(words)} forms → {OUT}")
    spanish, english = frequencies()
    SPANISH_FREQ.write_text(spanish, encoding="utf-8")
    ENGLISH_ZIPF.write_text(english, encoding="utf-8")
    print(f"→ {SPANISH_FREQ}, {ENGLISH_ZIPF}")


if __name__ == "__main__":
    main()
