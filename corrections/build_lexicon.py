"""Regenerate `data/es_forms.txt`: the Spanish word forms the repairer takes as valid.

Not used at run time. wordfreq's Spanish list has frequencies but also the web's
accentless misspellings ("poblacion", "tematicas"); Debian's wspanish has no plurals or
verb forms. So the valid forms are the words of wordfreq's list that Hunspell's Spanish
dictionary accepts (as written or capitalised, so place names count), plus wspanish's
words that wordfreq knows, plus every spelling of those words with the accent moved or
dropped (or ñ/ü plain) that Hunspell accepts.

Needs, at build time only: `apt-get install hunspell hunspell-es wspanish`.
Run: `python -m corrections.build_lexicon`.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import wordfreq

OUT = Path(__file__).parent / "data" / "es_forms.txt"
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


def main() -> None:
    words = build()
    OUT.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} forms → {OUT}")


if __name__ == "__main__":
    main()
