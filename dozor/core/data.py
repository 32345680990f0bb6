"""Typed inputs to services: frozen dataclasses (``FacilityData``, ``EventData``, ...) defined
beside each app's services, built by forms, API serializers, imports and commands, and shared by
the create and update services of an entity. These helpers move values between such a dataclass,
the mappings the entry points hold (``cleaned_data``, ``validated_data``, an import row) and a
model row."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

D = TypeVar("D", bound="DataclassInstance")


def data_names(cls: type[DataclassInstance] | DataclassInstance) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def data_values(data: DataclassInstance) -> dict[str, Any]:
    """The fields of ``data`` as keyword arguments for a model (``dataclasses.asdict`` would
    deep-copy the model instances it holds)."""
    return {name: getattr(data, name) for name in data_names(data)}


def data_from(cls: type[D], source: Mapping[str, Any]) -> D:
    """``cls`` built from the keys of ``source`` that are its fields; the others (related sets such
    as a place's population categories) are for the caller to pass beside it."""
    names = set(data_names(cls))
    return cls(**{key: value for key, value in source.items() if key in names})


def data_of(cls: type[D], obj: models.Model) -> D:
    """``cls`` holding the current values of ``obj``: the base that a partial change (an API PATCH,
    a test changing one field) is applied to with ``dataclasses.replace``."""
    return cls(**{name: getattr(obj, name) for name in data_names(cls)})


def data_apply(obj: models.Model, data: DataclassInstance) -> list[str]:
    """Copy ``data`` onto ``obj`` (an unsaved row, or one the service has just locked); return the
    names of the fields whose value changed, for ``save(update_fields=...)``."""
    changed = []
    for name in data_names(data):
        value = getattr(data, name)
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed
