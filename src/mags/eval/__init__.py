"""Quality evaluations: what the memory gets right (`mags eval ...`).

LoCoMo and LongMemEval (evidence recall, answer containment, peers in the same run, the LLM
answer path), knowledge updates in chat, context sufficiency for agents, extraction and
chat-rule precision. How fast it runs is `mags.bench`'s.
"""
