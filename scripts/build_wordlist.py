"""Write the English word list the checklist uses to tell a disguised term from a real word.

A disguise ("fcuk", "wortless") is only read into a token that is not itself an English word:
"loses" is not "losers" with a letter dropped, "cons" is not "coons". The list is the 50,000
most frequent English words of ``wordfreq`` (a maintained frequency list built from many
corpora), letters only, written to ``src/selfwatch/checklist/data/english_words.txt``.

Usage (needs the ``train`` extra)::

    python scripts/build_wordlist.py
"""

from __future__ import annotations

from pathlib import Path

from wordfreq import top_n_list

OUT = Path(__file__).resolve().parent.parent / "src/selfwatch/checklist/data/english_words.txt"
SIZE = 50_000


def main() -> int:
    """Write the list, one lowercase word a line, sorted."""
    words = sorted({w for w in top_n_list("en", SIZE) if w.isalpha() and w.isascii()})
    OUT.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} words to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
