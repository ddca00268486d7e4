"""Plug-in discovery: the modules of a package that define a given attribute, in name order."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from typing import Any


def module_names(package: str, skip: Iterable[str] = ()) -> list[str]:
    """The modules directly in ``package``, sorted, without importing them.

    Private modules (``_name``) and the names in ``skip`` are left out.

    >>> "base" in module_names("curate.formats")
    True
    >>> "base" in module_names("curate.formats", skip={"base"})
    False
    """
    path = importlib.import_module(package).__path__
    left_out = set(skip)
    names = (info.name for info in pkgutil.iter_modules(path))
    return sorted(n for n in names if n not in left_out and not n.startswith("_"))


def discover(package: str, attr: str, skip: Iterable[str] = ()) -> dict[str, Any]:
    """Module name -> its ``attr``, for every module of ``package`` that defines one.

    Modules are imported in name order (see ``module_names``), so what is found, and its
    order, depends only on the files present.

    >>> sorted(discover("curate.formats", "FORMAT"))[:2]
    ['alpaca', 'completion']
    """
    found: dict[str, Any] = {}
    for name in module_names(package, skip):
        module = importlib.import_module(f"{package}.{name}")
        if hasattr(module, attr):
            found[name] = getattr(module, attr)
    return found
