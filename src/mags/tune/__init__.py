"""Automatic hyperparameter tuning of the liquid memory on Optuna (`mags tune`).

`space` (what is searched), `objectives` (what is minimized), `coordinate` (the one-knob-
at-a-time baseline), `study` (studies, workers, resume), `holdout` (tuned against default on
unseen seeds), `report` (plots and summary.md), `command` (the CLI). See docs/tuning.md.
"""
