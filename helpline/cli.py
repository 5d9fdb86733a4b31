"""``flask --app app helpline ...``: commands for staff and operators."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import engine
from .catalog import Catalog, build_catalog
from .content import ROOT, ContentError

helpline = AppGroup("helpline", help="Check and manage the helpline's content and data.")


def _dirs() -> tuple[Path, Path]:
    return (Path(current_app.config["HELPLINE_CONTENT_DIR"]),
            Path(current_app.config["HELPLINE_PROMPTS_DIR"]))


@helpline.command()
def check() -> None:
    """Validate prompts/ and content/; print every problem, or the SMS segment counts."""
    try:
        catalog = build_catalog(*_dirs())
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(f"{'warning' if problem.warning else 'error'}: {problem}", err=True)
        errors = sum(1 for p in exc.problems if not p.warning)
        raise click.ClickException(f"{errors} problem(s) found: nothing was changed; the "
                                   "helpline keeps serving the last good version") from None
    for warning in catalog.warnings:
        click.echo(f"warning: {warning}")
    _print_segments(catalog)
    content = catalog.content
    click.echo(f"OK: content version {catalog.version}: {len(content.languages)} languages, "
               f"{len(content.tree.menus)} menus, {len(content.tree.answers)} answers")


def _print_segments(catalog: Catalog) -> None:
    book, content = catalog.sms, catalog.content
    for lang in content.languages.values():
        alphabet = "GSM-7 (simplified letters)" if lang.alphabet == "gsm7" else "as written"
        if lang.script == "bg-latin":
            alphabet += ", in Latin script"
        click.echo(f"\n{lang.code} {lang.name}: SMS {alphabet}; segments per message")
        for menu in content.tree.menus:
            sms = book.reply(lang.code, engine.Screen(menu))
            extra = ""
            if menu == ROOT:
                first = book.reply(lang.code, engine.Screen(menu, welcome=True))
                extra = f" (first message: {first.segments})"
            click.echo(f"  menu   {menu:<24} {sms.segments}{extra}")
        for answer in content.tree.answers:
            pages = [book.reply(lang.code, engine.Screen(answer, page)).segments
                     for page in range(book.pages(lang.code, answer))]
            click.echo(f"  answer {answer:<24} {'+'.join(map(str, pages))}"
                       f"  ({len(pages)} page{'s' if len(pages) > 1 else ''})")


def _stamp(lang: str, answer_ids: tuple[str, ...], reviewed: bool) -> None:
    """Record, in content/answers/<lang>.yaml, which Dutch version these translations follow."""
    from ruamel.yaml import YAML

    from .content import load_content
    from .content._problems import ContentError as _ContentError

    content_dir, prompts_dir = _dirs()
    try:
        content = load_content(content_dir, prompts_dir)
    except _ContentError as exc:
        raise click.ClickException(f"fix these problems first:\n{exc}") from None
    if lang not in content.languages or lang == content.base:
        choices = ", ".join(c for c in content.languages if c != content.base)
        raise click.ClickException(f"{lang!r} is not a translated language (choose from {choices})")
    base = content.answers[content.base]
    unknown = [a for a in answer_ids if a not in base]
    if unknown:
        raise click.ClickException(f"no such answer: {', '.join(unknown)}")
    path = content_dir / "answers" / f"{lang}.yaml"
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100
    data = yaml.load(path.read_text(encoding="utf-8"))
    for answer_id in answer_ids or tuple(base):
        entry = data["answers"][answer_id]
        entry["source"] = base[answer_id].source_version
        if reviewed:
            entry["reviewed"] = True
        click.echo(f"{lang} {answer_id}: follows Dutch version {entry['source']}"
                   f"{', reviewed' if reviewed else ''}")
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(data, out)


@helpline.command()
@click.argument("lang")
@click.argument("answer_ids", nargs=-1)
def review(lang: str, answer_ids: tuple[str, ...]) -> None:
    """Mark translations as reviewed by a person, against the current Dutch text.

    LANG is a language code (e.g. ro); give answer ids, or none for every answer.
    """
    _stamp(lang, answer_ids, reviewed=True)


@helpline.command()
@click.argument("lang")
@click.argument("answer_ids", nargs=-1)
def translated(lang: str, answer_ids: tuple[str, ...]) -> None:
    """Record that translations were (re)made from the current Dutch text (not yet reviewed)."""
    _stamp(lang, answer_ids, reviewed=False)


@helpline.command()
@click.argument("number")
def forget(number: str) -> None:
    """Erase everything kept about NUMBER (as the wipe keyword does)."""
    from .identity import number_key
    from .store import StoreUnavailable, get_store

    try:
        get_store().forget(number_key(number, current_app.config["HELPLINE_HASH_KEY"].encode()))
    except StoreUnavailable:
        raise click.ClickException("the store (Redis) cannot be reached: nothing was erased; "
                                   "try again when it is back") from None
    click.echo("Erased everything kept about that number.")


@helpline.command()
@click.option("--days", default=30, show_default=True, help="how many days back")
def stats(days: int) -> None:
    """Print the anonymous figures: per day, per event; and the most read answers."""
    import datetime as dt

    from .stats import AMSTERDAM, read_day
    from .store import StoreUnavailable, get_store

    today = dt.datetime.now(AMSTERDAM).date()
    store = get_store()
    totals: dict[str, int] = {}
    answers: dict[str, int] = {}
    rows = []
    try:
        for back in range(days - 1, -1, -1):
            day = today - dt.timedelta(days=back)
            figures = read_day(store, day)
            per_event: dict[str, int] = {}
            for field, value in figures.items():
                event = field.split("|")[0]
                per_event[event] = per_event.get(event, 0) + value
                if event.endswith(".answer"):
                    labels = dict(p.split("=", 1) for p in field.split("|")[1:])
                    name = f"{labels.get('node', '?')} ({labels.get('lang', '?')})"
                    answers[name] = answers.get(name, 0) + value
            for event, value in per_event.items():
                totals[event] = totals.get(event, 0) + value
            if per_event:
                rows.append((day, per_event))
    except StoreUnavailable:
        raise click.ClickException("the store (Redis) cannot be reached") from None
    if not rows:
        click.echo(f"No figures in the last {days} days.")
        return
    events = sorted(totals)
    click.echo("day         " + "".join(f"{e:>18}" for e in events))
    for day, per_event in rows:
        click.echo(f"{day}  " + "".join(f"{per_event.get(e, 0):>18}" for e in events))
    click.echo("total       " + "".join(f"{totals[e]:>18}" for e in events))
    if answers:
        click.echo("\nMost read answers:")
        for name, value in sorted(answers.items(), key=lambda kv: -kv[1])[:10]:
            click.echo(f"  {value:>6}  {name}")


def init_app(app: Flask) -> None:
    from .simulate import simulate

    helpline.add_command(simulate)
    app.cli.add_command(helpline)
