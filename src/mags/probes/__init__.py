"""Belief-accuracy probes: memory as a world model, scored against TextWorld's true state."""
