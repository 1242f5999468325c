"""A ``@dataclass`` for the package's plain data classes that does not import :mod:`dataclasses`.

Importing :mod:`dataclasses` costs ~10 ms (it imports ``inspect``, ``re``, ``enum``, ``copy``…), several
times the rest of ``import grantex_core`` + building a key set + the first verification together. The
package's modules therefore write ``@dataclass(frozen=True)`` as usual but take the decorator from here at
run time (type checkers see the standard one, see ``TYPE_CHECKING`` in the callers). The classes it makes
behave as the standard decorator's with ``eq=True`` (the default), ``frozen`` as given:

* the same ``__init__`` (signature, defaults, annotations), ``__repr__``, ``__eq__``, ``__hash__``
  (``None`` unless frozen), ``__match_args__`` (Python >= 3.10) and ``__replace__`` (Python >= 3.13);
* frozen: assigning or deleting a field raises :class:`dataclasses.FrozenInstanceError`;
* :func:`dataclasses.fields`, :func:`~dataclasses.asdict`, :func:`~dataclasses.replace` and
  :func:`~dataclasses.is_dataclass` work: ``__dataclass_fields__`` and ``__dataclass_params__`` are computed
  by the standard decorator (on a copy of the class) the first time they are read, which is the only time
  :mod:`dataclasses` is imported.

Restrictions (checked nowhere, none of the package's classes needs more): every class annotation is a
field (no ``ClassVar``, ``InitVar`` or ``field(...)``), defaults are immutable values, no inheritance
between data classes, no base class other than ``object``.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar

    _T = TypeVar("_T", bound=type)

__all__ = ["dataclass"]


def dataclass(*, frozen: bool = False) -> Callable[[_T], _T]:
    """``dataclasses.dataclass(frozen=frozen)`` without importing :mod:`dataclasses` (see the module doc)."""

    def wrap(cls: _T) -> _T:
        _process(cls, frozen)
        return cls

    return wrap


class _DataclassAttribute:
    """``__dataclass_fields__`` / ``__dataclass_params__`` of a class, computed on first read."""

    def __init__(self, owner: type, names: tuple[str, ...], frozen: bool) -> None:
        self.owner = owner
        self.names = names
        self.frozen = frozen

    def __get__(self, instance: object, owner: Any = None) -> Any:
        import dataclasses

        cls, names = self.owner, self.names
        namespace: dict[str, Any] = {
            "__annotations__": {name: cls.__annotations__[name] for name in names},
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
        }
        namespace.update((name, cls.__dict__[name]) for name in names if name in cls.__dict__)
        twin: Any = dataclasses.dataclass(frozen=self.frozen)(type(cls.__name__, (), namespace))
        # Replace both descriptors by the standard values (racing threads compute equal values).
        cls.__dataclass_fields__ = twin.__dataclass_fields__  # type: ignore[attr-defined]
        cls.__dataclass_params__ = twin.__dataclass_params__  # type: ignore[attr-defined]
        return twin.__dict__[self.name]

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name


def _process(cls: type, frozen: bool) -> None:
    annotations: dict[str, Any] = getattr(cls, "__annotations__", {})
    names = tuple(annotations)
    defaults = {name: cls.__dict__[name] for name in names if name in cls.__dict__}

    # `__init__` is compiled, as the standard decorator does, so that its signature, defaults and errors
    # are the usual ones. Frozen instances are filled through `__dict__` (their `__setattr__` raises).
    params = ", ".join(f"{name}=__default_{name}" if name in defaults else name for name in names)
    if frozen:
        body = "    __d = self.__dict__\n" + "".join(f"    __d[{name!r}] = {name}\n" for name in names)
    else:
        body = "".join(f"    self.{name} = {name}\n" for name in names)
    source = f"def __init__(self, {params}) -> None:\n{body or '    pass'}\n"
    scope: dict[str, Any] = {f"__default_{name}": value for name, value in defaults.items()}
    exec(source, scope)  # noqa: S102 (source built from the class's own identifiers)
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = {**annotations, "return": None}

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({inner})"

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)
        return NotImplemented

    methods: dict[str, Any] = {"__init__": init, "__repr__": __repr__, "__eq__": __eq__}
    if frozen:

        def __hash__(self: Any) -> int:
            return hash(tuple(getattr(self, n) for n in names))

        def __setattr__(self: Any, name: str, value: Any) -> None:
            if type(self) is cls or name in names:
                from dataclasses import FrozenInstanceError

                raise FrozenInstanceError(f"cannot assign to field {name!r}")
            object.__setattr__(self, name, value)

        def __delattr__(self: Any, name: str) -> None:
            if type(self) is cls or name in names:
                from dataclasses import FrozenInstanceError

                raise FrozenInstanceError(f"cannot delete field {name!r}")
            object.__delattr__(self, name)

        methods.update(__hash__=__hash__, __setattr__=__setattr__, __delattr__=__delattr__)
    else:
        methods["__hash__"] = None
    if sys.version_info >= (3, 13):

        def __replace__(self: Any, **changes: Any) -> Any:
            for name in names:
                if name not in changes:
                    changes[name] = getattr(self, name)
            return self.__class__(**changes)

        methods["__replace__"] = __replace__
    for name, method in methods.items():
        if method is not None:
            method.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)
    if sys.version_info >= (3, 10):
        setattr(cls, "__match_args__", names)
    for attribute in ("__dataclass_fields__", "__dataclass_params__"):
        descriptor = _DataclassAttribute(cls, names, frozen)
        descriptor.__set_name__(cls, attribute)
        setattr(cls, attribute, descriptor)
