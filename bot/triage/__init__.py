"""Judgement on incoming posts: does a post need an answer, what does it
want (triage), and is it an attack on the drafter (injection screening).

Both models are plain JSON files (vocabulary and coefficients), read with
the standard library only, so inference never depends on pickle or on the
library versions that trained them.
"""
