"""Placeholder: this task is being written."""


def register() -> None:
    """Nothing registered yet."""
