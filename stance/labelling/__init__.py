"""Labelling: which unlabelled items to label first, and the round trip through Label Studio.

pool.py        the unlabelled items: an article folder, a .txt, or a JSONL
strategies.py  the order to label them in (uncertainty, diversity, random), pure
labelstudio.py Label Studio's import file and labelling config; its JSON export -> annotations
adjudicate.py  annotators' files -> labels.jsonl, where they agree or an adjudicator decided
simulation.py  does ordering pay? a pool-based simulation on the labelled items
"""
