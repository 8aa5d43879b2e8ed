"""`moocplatform quizzes ...`: quiz tools for course teams. `import-gift` needs no application or database."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import yaml
from flask.cli import AppGroup

from .gift import GiftResult, convert_gift, slugify
from .grading import DEFAULT_SETTINGS

quizzes_cli = AppGroup("quizzes", help="Quiz tools: convert question files into quiz YAML.")

QUIZ_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,63}")  # as the pack schema requires


class _QuizDumper(yaml.SafeDumper):
    """Multi-line texts as `|` blocks, so a converted quiz stays easy to read and edit."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_QuizDumper.add_representer(str, _represent_text)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_QuizDumper, sort_keys=False, allow_unicode=True, width=110)


def quiz_yaml(result: GiftResult, quiz_id: str, title: str, source_name: str, *, outcome: str | None = None) -> str:
    """The quiz file: id, title, default settings, then each question under a comment naming its GIFT origin.
    With outcome, every question assesses that outcome id (pack format 2 asks each question for one)."""
    text = _dump({"id": quiz_id, "title": title, "settings": dict(DEFAULT_SETTINGS)})
    if not result.questions:
        return text + "questions: []\n"
    text += "questions:\n"
    for question in result.questions:
        source = result.sources.get(question["id"])
        if source is not None:
            origin = [f"{source_name} line {source.line}"]
            origin += [f"title: {source.title}"] if source.title else []
            origin += [f"category: {source.category}"] if source.category else []
            origin += [f"tags: {', '.join(source.tags)}"] if source.tags else []
            text += "  # " + " ".join("; ".join(origin).split()) + "\n"
        question = {**question, "outcome": outcome} if outcome else question
        text += "".join(f"  {line}\n" if line else "\n" for line in _dump([question]).splitlines())
    return text


def _default_id(path: Path) -> str:
    quiz_id = slugify(path.stem)
    return quiz_id if QUIZ_ID.fullmatch(quiz_id) else f"quiz-{quiz_id}".rstrip("-")[:64]


@quizzes_cli.command("import-gift", with_appcontext=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the quiz YAML here instead of to standard output.")
@click.option("--id", "quiz_id", help="The quiz id (default: from the file name).")
@click.option("--title", help="The quiz title (default: from the file name).")
@click.option("--outcome", help="The outcome id every question assesses (format 2 packs need one per question; "
                                "change it per question afterwards where they differ).")
def import_gift(file: Path, output: Path | None, quiz_id: str | None, title: str | None,
                outcome: str | None) -> None:
    """Convert a Moodle GIFT FILE into quiz YAML.

    Each question that cannot be converted, and each conversion that loses something, is reported as
    FILE:LINE: message on standard error. The exit status is 1 when a question was left out; the others are
    written all the same.
    """
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{file}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    quiz_id = quiz_id if quiz_id is not None else _default_id(file)
    if not QUIZ_ID.fullmatch(quiz_id):
        raise click.BadParameter("2 to 64 lowercase letters, digits or '-', starting with a letter or digit",
                                 param_hint="--id")
    title = title if title is not None else " ".join(re.split(r"[-_\s]+", file.stem)).strip() or quiz_id
    result = convert_gift(text)
    if outcome is not None and not QUIZ_ID.fullmatch(outcome):
        raise click.BadParameter("an outcome id of the pack's course.yaml", param_hint="--outcome")
    document = quiz_yaml(result, quiz_id, title, file.name, outcome=outcome)
    if output is None:
        click.echo(document, nl=False)
    else:
        output.write_text(document, encoding="utf-8")
    for line, message in result.problems:
        click.echo(f"{file}:{line}: {message}", err=True)
    if result.not_converted:
        raise click.exceptions.Exit(1)
