"""Placeholder: this task's agents are being written."""

FACTORIES: dict = {}
