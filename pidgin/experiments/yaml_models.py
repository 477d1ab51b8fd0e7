"""Load a YAML file into a pydantic model, with errors that name the key, line and what is
allowed (``spec.yaml line 7: agents.a.temprature: unknown key; allowed: model, ...``)."""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from pidgin.errors import PidginError

M = TypeVar("M", bound=BaseModel)


class SpecError(PidginError):
    """A YAML file that cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(first + more)
        self.problems = list(problems)


MAX_FILE_BYTES = 1_000_000
"""Spec and awareness files are a few kilobytes; anything past this is not one."""
MAX_NODES = 100_000
"""The most YAML nodes a file may expand to, aliases counted each time they are used
(a "billion laughs" file of a few hundred bytes expands to billions)."""
MAX_SHOWN = 60
"""Characters of a bad value quoted in an error."""


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Parse ``path`` and validate it as ``model``; raise :class:`SpecError` on any problem."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise SpecError([f"cannot read {path}: {error.strerror or error}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise SpecError([f"{path}: larger than {MAX_FILE_BYTES:,} bytes; not a spec file"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SpecError([f"{path}: not UTF-8 text (byte {error.start})"]) from None
    return parse_yaml_model(text, model, source=str(path))


def parse_yaml_model(text: str, model: type[M], *, source: str) -> M:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        _check_size(root, source)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise SpecError([f"{source}{where}: not valid YAML: {problem}"]) from None
    except RecursionError:
        raise SpecError([f"{source}: nested too deeply to be a spec file"]) from None
    if not isinstance(data, dict):
        raise SpecError([f"{source}: expected a mapping of keys (name:, agents:, ...) at the top"])
    return validate_data(data, model, source=source, root=root)


def validate_data(
    data: dict[str, Any], model: type[M], *, source: str, root: yaml.Node | None = None
) -> M:
    """Validate ``data`` as ``model``; raise :class:`SpecError` naming each bad key."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = [_describe(source, root, model, e) for e in error.errors()]
        raise SpecError(problems) from None


def _check_size(root: yaml.Node | None, source: str) -> None:
    """Refuse a document whose aliases expand past :data:`MAX_NODES` nodes, or refer to
    themselves, before anything expands it."""
    sizes: dict[int, int] = {}
    pending: list[tuple[yaml.Node, bool]] = [(root, False)] if root is not None else []
    open_nodes: set[int] = set()
    while pending:
        node, children_done = pending.pop()
        key = id(node)
        if key in sizes:
            continue
        children = _children(node)
        if children_done:
            open_nodes.discard(key)
            sizes[key] = min(1 + sum(sizes[id(c)] for c in children), MAX_NODES + 1)
            if sizes[key] > MAX_NODES:
                raise SpecError([f"{source}: its aliases expand past {MAX_NODES:,} values"])
            continue
        if key in open_nodes:
            raise SpecError([f"{source}: an alias refers to itself"])
        open_nodes.add(key)
        pending.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise SpecError([f"{source}: an alias refers to itself"])
            pending.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _describe(source: str, root: yaml.Node | None, model: type[BaseModel], error: Any) -> str:
    loc: tuple[Any, ...] = tuple(error["loc"])
    dotted = ".".join(str(part) for part in loc) or "(top)"
    line = _line_of(root, loc)
    where = f"{source} line {line}" if line else source
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        return f"{where}: {dotted}: unknown key; allowed: {', '.join(allowed)}"
    if kind == "missing":
        return f"{where}: {dotted}: required key is missing"
    return f"{where}: {dotted}: {error['msg']} (got {_shown(error.get('input'))})"


def _line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest YAML node on the path ``loc``."""
    if root is None:
        return None
    node: yaml.Node = root
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(part):
                    child = key if part == loc[-1] else value
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part >= 0:
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


def _allowed_keys(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in path:
        if _is_model(current) and isinstance(part, str) and part in current.model_fields:
            current = _inner(current.model_fields[part].annotation)
        elif typing.get_origin(current) is dict:
            current = _inner(typing.get_args(current)[1])
        else:
            return []
    return list(current.model_fields) if _is_model(current) else []


def _inner(annotation: Any) -> Any:
    """The model or dict inside ``X | None``."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if _is_model(arg) or typing.get_origin(arg) is dict:
                return arg
    return annotation


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)
