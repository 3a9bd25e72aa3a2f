"""Events: who did what to whom, coded in PLOVER's 16 types on the one parse (``coder.py``) by the
pattern dictionary (``patterns.yaml``, loaded by ``lexicon.py``), dated against the article
(``dates.py``) and grouped across the articles of a story (``grouping.py``). The analysis stage
that resolves the actors is ``stages/events.py``."""

VERSION = "newsradar.events.v2"
