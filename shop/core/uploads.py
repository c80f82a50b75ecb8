"""Uploaded files are written to storage *before* a write transaction opens (SQLite has one
writer: copying a 2 MB image while holding it stalls every other write), and removed again if
the transaction then fails, so no orphan is left behind."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.files.uploadedfile import UploadedFile
from django.db import models


@contextmanager
def stored_first(field: models.FileField, upload):
    """``with stored_first(Product._meta.get_field("cover"), upload) as value:`` — a new upload is
    saved to the field's storage now and ``value`` is its stored name (assign it to the field
    inside the transaction); anything else (``None``, ``False``, a name) passes through. If the
    block raises, the stored file is deleted."""
    if not isinstance(upload, UploadedFile):
        yield upload
        return
    name = field.storage.save(field.generate_filename(None, upload.name), upload, max_length=field.max_length)
    try:
        yield name
    except BaseException:
        field.storage.delete(name)
        raise


@contextmanager
def instance_files_stored_first(instance: models.Model, *field_names: str):
    """The same for a model instance built by a ModelForm (``form.save(commit=False)``): new
    uploads on ``field_names`` are written now, and deleted if the block raises."""
    written = []
    for name in field_names:
        file = getattr(instance, name)
        if file and not file._committed:
            file.save(file.name, file.file, save=False)
            written.append((file.storage, file.name))
    try:
        yield instance
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
