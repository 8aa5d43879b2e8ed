"""YAML read safely, with the node tree kept so that a field path can be traced back to its line."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .model import Problem

PathItem = str | int
MAX_DEPTH = 40  # pack files nest a few levels; deeper input only serves to exhaust the stack
# libyaml's loader when PyYAML was built with it: the same safe constructor, several times faster.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlDoc:
    """Parsed YAML: `data` is JSON-compatible (str keys, dates as ISO text); `first_line` is the file line
    where the YAML starts (2 for front matter, after the opening '---')."""

    file: str
    data: Any
    node: Node | None
    first_line: int = 1

    def line(self, path: Sequence[PathItem]) -> int | None:
        """The line of the field at `path` (its key's line, or a list item's), as far down as the file goes."""
        node, key_node = self.node, None
        for item in path:
            if isinstance(node, MappingNode):
                found = next(((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == str(item)),
                             None)
                if found is None:
                    break
                key_node, node = found
            elif isinstance(node, SequenceNode) and isinstance(item, int) and 0 <= item < len(node.value):
                key_node, node = None, node.value[item]
            else:
                break
        target = key_node if key_node is not None else node
        return target.start_mark.line + self.first_line if target is not None else None

    def text_line(self, path: Sequence[PathItem]) -> int | None:
        """The line where the text of a scalar starts (block scalars `|` and `>` start on the next line)."""
        line = self.line(path)
        node = self._node_at(path)
        if line is not None and isinstance(node, ScalarNode) and node.style in ("|", ">"):
            return line + 1
        return line

    def _node_at(self, path: Sequence[PathItem]) -> Node | None:
        node = self.node
        for item in path:
            if isinstance(node, MappingNode):
                node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == str(item)), None)
            elif isinstance(node, SequenceNode) and isinstance(item, int) and 0 <= item < len(node.value):
                node = node.value[item]
            else:
                return None
        return node


def parse_yaml(text: str, file: str, *, first_line: int = 1) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse one YAML document with the safe loader. Anchors and aliases are refused: shared nodes let a small
    file expand into an enormous one ("billion laughs") when walked."""
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        problems, fatal = _check_nodes(node, file, first_line) if node is not None else ([], False)
        if fatal:
            return None, problems
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        return None, [Problem(file, f"is not valid YAML: {problem}", line=(mark.line + first_line) if mark else None)]
    except RecursionError:
        return None, [Problem(file, "is nested too deeply to be a pack file")]
    finally:
        loader.dispose()
    doc = YamlDoc(file, None, node, first_line)
    doc.data = _plain(data, [], doc, problems)
    return doc, problems


def _check_nodes(root: Node, file: str, first_line: int) -> tuple[list[Problem], bool]:
    """Duplicate keys (reported; the last one wins), shared nodes and deep nesting (fatal: refused before
    anything recursive walks the data)."""
    problems: list[Problem] = []
    seen: set[int] = set()
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            problems.append(Problem(file, f"nests more than {MAX_DEPTH} levels deep",
                                    line=node.start_mark.line + first_line))
            return problems, True
        if id(node) in seen:
            problems.append(Problem(file, "YAML anchors and aliases (&name, *name) are not allowed",
                                    line=node.start_mark.line + first_line))
            return problems, True
        seen.add(id(node))
        if isinstance(node, MappingNode):
            keys: set[str] = set()
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    if key.value in keys:
                        problems.append(Problem(file, f"the key {key.value!r} appears twice in one mapping",
                                                line=key.start_mark.line + first_line))
                    keys.add(key.value)
                stack.extend(((key, depth + 1), (value, depth + 1)))
        elif isinstance(node, SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)
    return problems, False


MAX_INTEGER = 10**15 - 1


def _plain(value: Any, path: list[PathItem], doc: YamlDoc, problems: list[Problem]) -> Any:
    """JSON-compatible data, so that JSON Schemas apply as written."""
    if isinstance(value, dict):
        return {str(k): _plain(v, [*path, str(k)], doc, problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, [*path, i], doc, problems) for i, v in enumerate(value)]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(doc.file, "must be a finite number", line=doc.line(path), field=field_path(path)))
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
        # Such an int cannot be turned into a float (beyond ~309 digits) or not exactly (beyond 2**53).
        problems.append(Problem(doc.file, f"must be a number of at most {len(str(MAX_INTEGER))} digits",
                                line=doc.line(path), field=field_path(path)))
        return 0
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, set):
        return {str(v): None for v in value}
    return value


def field_path(path: Sequence[PathItem]) -> str | None:
    """modules[1].units[0] from ['modules', 1, 'units', 0]."""
    text = ""
    for item in path:
        text += f"[{item}]" if isinstance(item, int) else (f".{item}" if text else str(item))
    return text or None
