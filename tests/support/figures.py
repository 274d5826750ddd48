"""Figures a test measures but does not assert (they vary with the machine): each is a line
of the terminal summary that tests/conftest.py prints."""

FIGURES: list[str] = []
