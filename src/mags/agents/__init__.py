"""Agents that play TextWorld games from memory: the loop, policies and memory variants."""
