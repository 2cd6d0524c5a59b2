"""Every interface string has its Brazilian Portuguese translation, under the context the code asks for.

`pyside6-lupdate` cannot see the context of a module-level `tr` alias (tickets, inbox, notifications),
so this test reads the code itself: each literal passed to `tr(...)`, `self.tr(...)` or
`QCoreApplication.translate(context, ...)` must be in the .ts file, translated, in that context.
"""

from __future__ import annotations

import ast
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
UI = REPO / "desktop" / "ui"
TS = REPO / "resources" / "translations" / "warddesk_pt_BR.ts"


def translations() -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for context in ElementTree.parse(TS).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            finished = translation is not None and translation.get("type") not in ("unfinished", "obsolete")
            if finished and translation is not None and translation.text:
                found[(name, message.findtext("source") or "")] = translation.text
    return found


def _alias_context(tree: ast.Module) -> str | None:
    """The context of a module's own `def tr(text)` alias, or of the one it imports."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "tr":
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Constant):
                    return str(call.args[0].value)
        if isinstance(node, ast.ImportFrom) and any(alias.name == "tr" for alias in node.names):
            module = REPO / Path(*(node.module or "").split(".")).with_suffix(".py")
            return _alias_context(ast.parse(module.read_text()))
    return None


def _translated_literals(node: ast.AST, *, alias: str | None, cls: str | None) -> Iterator[tuple[str, str]]:
    """(context, source) of each translation call with literal arguments under `node`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            yield from _translated_literals(child, alias=alias, cls=child.name)
            continue
        if isinstance(child, ast.Call):
            func, args = child.func, child.args
            text = [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if isinstance(func, ast.Name) and func.id == "tr" and alias and len(text) == len(args) == 1:
                yield alias, text[0]
            elif isinstance(func, ast.Attribute) and func.attr == "tr" and cls and args:
                if (
                    isinstance(func.value, ast.Name)
                    and func.value.id == "self"
                    and isinstance(args[0], ast.Constant)
                ):
                    yield cls, str(args[0].value)
            elif isinstance(func, ast.Attribute) and func.attr == "translate" and len(args) >= 2:
                if all(isinstance(a, ast.Constant) for a in args[:2]):
                    yield str(args[0].value), str(args[1].value)  # type: ignore[attr-defined]
        yield from _translated_literals(child, alias=alias, cls=cls)


def asked_for() -> set[tuple[str, str, str]]:
    """(context, source, file) of every literal the interface code translates."""
    asked: set[tuple[str, str, str]] = set()
    for path in sorted(UI.rglob("*.py")):
        tree = ast.parse(path.read_text())
        where = str(path.relative_to(REPO))
        for context, source in _translated_literals(tree, alias=_alias_context(tree), cls=None):
            asked.add((context, source, where))
    return asked


def test_every_interface_string_is_translated_to_portuguese() -> None:
    known = translations()
    missing = sorted(
        f"{where}: [{ctx}] {source!r}" for ctx, source, where in asked_for() if (ctx, source) not in known
    )
    assert not missing, "untranslated (add them to warddesk_pt_BR.ts):\n" + "\n".join(missing)


def test_the_translation_file_has_no_unfinished_or_contextless_messages() -> None:
    root = ElementTree.parse(TS).getroot()
    assert all(context.findtext("name") for context in root.iter("context"))
    unfinished = [
        message.findtext("source")
        for message in root.iter("message")
        if (message.find("translation") is None or message.find("translation").get("type") == "unfinished")  # type: ignore[union-attr]
    ]
    assert unfinished == []
