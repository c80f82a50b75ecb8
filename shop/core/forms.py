"""Helpers shared by the apps' forms."""

from __future__ import annotations

from django import forms


def add_rule_errors(form: forms.BaseForm, errors: dict) -> None:
    """A service's rule messages (``{field or None: message}``) next to their fields; a field
    that already has an error keeps just that one."""
    for name, message in errors.items():
        if name is None or name not in form.fields:
            form.add_error(None, message)
        elif name not in form.errors:
            form.add_error(name, message)
