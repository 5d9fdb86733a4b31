"""``flask --app app helpline ...``: commands for staff and operators."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import engine
from .catalog import Catalog, build_catalog
from .config import is_development
from .content import ROOT, ContentError

helpline = AppGroup("helpline", help="Check and manage the helpline's content and data.")


def _dirs() -> tuple[Path, Path]:
    return (Path(current_app.config["HELPLINE_CONTENT_DIR"]),
            Path(current_app.config["HELPLINE_PROMPTS_DIR"]))


def _valid_catalog() -> Catalog:
    """Return the content as files hold it now; print every problem and stop if it fails."""
    try:
        return build_catalog(*_dirs())
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(f"{'warning' if problem.warning else 'error'}: {problem}", err=True)
        errors = sum(1 for p in exc.problems if not p.warning)
        # Only what is true wherever this runs: by hand, at start (start.sh), in the image build.
        raise click.ClickException(f"{errors} problem(s) found (above): this content cannot go "
                                   "live until they are fixed") from None


@helpline.command()
def check() -> None:
    """Validate prompts/ and content/; print every problem, the SMS segment counts and audio."""
    catalog = _valid_catalog()
    for warning in catalog.warnings:
        click.echo(f"warning: {warning}")
    _print_review_status(catalog)
    _print_segments(catalog)
    _print_audio(catalog)
    content = catalog.content
    click.echo(f"OK: content version {catalog.version}: {len(content.languages)} languages, "
               f"{len(content.tree.menus)} menus, {len(content.tree.answers)} answers")


def _print_review_status(catalog: Catalog) -> None:
    from .translations import summary_lines

    lines = summary_lines(catalog.content)
    if not lines:
        return
    click.echo("\nTranslations checked by a person (answers):")
    for line in lines:
        click.echo(f"  {line}")
    click.echo("  After a person has checked one: flask --app app helpline review LANG ANSWER")


def _print_segments(catalog: Catalog) -> None:
    book, content = catalog.sms, catalog.content
    language_pages = len(catalog.rules.language_pages)

    def language_menu(lang: str | None) -> str:
        return "+".join(str(book.reply(lang, engine.Screen(engine.LANGUAGES, page)).segments)
                        for page in range(language_pages))

    if language_pages > 1:
        click.echo(f"\nlanguage menu: {language_pages} pages of up to 8 languages, 9 the next "
                   f"page; segments per page before a language is chosen: {language_menu(None)}")
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
        if language_pages > 1:
            click.echo(f"  menu   {'(languages)':<24} {language_menu(lang.code)}  "
                       f"({language_pages} pages)")
        for answer in content.tree.answers:
            pages = [book.reply(lang.code, engine.Screen(answer, page)).segments
                     for page in range(book.pages(lang.code, answer))]
            click.echo(f"  answer {answer:<24} {'+'.join(map(str, pages))}"
                       f"  ({len(pages)} page{'s' if len(pages) > 1 else ''})")


def _print_audio(catalog: Catalog) -> None:
    """Say, per language, how many recordings are played; warn of missing or stale ones."""
    from .audio import coverage
    from .audio_build import ManifestError, read_manifest

    folder = Path(current_app.config["HELPLINE_AUDIO_DIR"])
    build = "flask --app app helpline build-audio"
    try:
        manifest = read_manifest(folder)
    except ManifestError as exc:
        click.echo(f"\nwarning: audio: {exc}: callers hear Twilio's voice; run `{build}`")
        return
    if not manifest:
        click.echo(f"\nwarning: audio: none built in {folder}: callers hear Twilio's voice "
                   f"(fine in development); run `{build}`")
        return
    click.echo(f"\naudio in {folder}: recordings played per language (Twilio's voice says the rest)")
    for lang, figures in coverage(catalog.content, manifest, folder).items():
        units, played = figures["units"], figures["with_audio"]
        click.echo(f"  {lang}: {played} of {units}")
        if played < units:
            click.echo(f"warning: audio {lang}: {figures['missing']} of {units} recordings "
                       f"missing, {figures['stale']} stale (their text or voice changed): "
                       f"run `{build} --lang {lang}`")


@helpline.command("build-audio")
@click.option("--lang", "langs", multiple=True, metavar="L",
              help="only this language (repeat for more); default: every language")
@click.option("--engine", "engine_name", type=click.Choice(["gtts", "espeak"]), default="gtts",
              show_default=True, help="gtts: Google's voices (production, needs the internet); "
              "espeak: espeak-ng, offline (development)")
@click.option("--force", is_flag=True, help="speak every text again, even unchanged ones")
def build_audio(langs: tuple[str, ...], engine_name: str, force: bool) -> None:
    """Record every prompt and answer, in every language, that has no recording yet.

    Files are named by a hash of what shapes their sound: only changed texts are spoken
    again; files no longer needed are removed. Fails (exit 1) if any recording failed,
    keeping every one that was made.
    """
    from . import audio_build, tts

    catalog = _valid_catalog()
    content = catalog.content
    unknown = [lang for lang in langs if lang not in content.languages]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: no such language (choose from "
                                 f"{', '.join(content.languages)})", param_hint="--lang")
    folder = Path(current_app.config["HELPLINE_AUDIO_DIR"])
    engine = tts.engine(engine_name)
    failures: list[str] = []
    try:
        with audio_build.exclusive(folder):
            job = audio_build.prepare(content, folder, engine_name, langs or None, force)
            # Moved on by hand (the recordings finish in any order): the range sets the length.
            with click.progressbar(range(len(job.make)), label=f"speaking with {engine_name}",
                                   show_pos=True) as bar:

                def done(key: audio_build.Key, error: str | None) -> None:
                    bar.update(1)
                    if error is not None:
                        slow = " (slow)" if key.slow else ""
                        failures.append(f"failed: {key.lang} {key.unit}{slow}: {error}")

                summary = audio_build.run(job, engine, done)
    except audio_build.BuildRunning as exc:
        raise click.ClickException(str(exc)) from None
    for line in failures:
        click.echo(line, err=True)
    click.echo(f"audio in {folder}: {len(summary.generated)} generated, {summary.unchanged} "
               f"unchanged, {len(summary.failed)} failed, {len(summary.pruned)} pruned "
               f"({engine_name}, {summary.seconds:.1f} s)")
    if summary.failed:
        raise click.ClickException(f"{len(summary.failed)} recording(s) failed (above); the "
                                   "others were kept, Twilio's voice says the missing ones: "
                                   "run build-audio again")


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


def _helpline_store(command: str, *, by_number: bool) -> None:
    """Stop a command that reads or erases kept data unless it sees the helpline's own.

    Without REDIS_URL a command gets an empty in-process store of its own: `stats` would report
    an empty month. A command that finds a number's data (``by_number``) needs the helpline's
    HELPLINE_HASH_KEY too: with a key of its own, `forget` would report an erasure that erased
    nothing. The figures are kept under no number, so `stats` needs no key. Development (the
    embedded store of one process) is exempt.
    """
    config = current_app.config
    if is_development(config):
        return
    needed = ("REDIS_URL", "HELPLINE_HASH_KEY") if by_number else ("REDIS_URL",)
    missing = [name for name in needed
               if not config.get(name) or name in config.get("HELPLINE_MADE_UP_KEYS", ())]
    if missing:
        raise click.ClickException(
            f"{' and '.join(missing)} not set: `{command}` would see a store made up for this "
            "command alone, not the helpline's, and nothing was read or erased. Run it with the "
            "helpline's settings (docker compose exec app flask --app app helpline "
            f"{command} ...), or set HELPLINE_ENV=development for the embedded store.")


@helpline.command()
@click.argument("number")
def forget(number: str) -> None:
    """Erase everything kept about NUMBER (as the wipe keyword does).

    NUMBER as Twilio shows it: +31612345678, or whatsapp:+31612345678 (the same person).
    """
    from .identity import exists, key_of, normalize
    from .store import StoreUnavailable, get_store

    # The form the helpline keys a texter by: a WhatsApp texter by their number, a number
    # written as dialled (06 ...) as Twilio sends it (+316 ...), any other sender as written.
    # Whatever is kept under it is erased first; only when nothing was, a number no phone can
    # have is named as the likely typo (saying "nothing was kept" would hide it).
    normal = normalize(number)
    _helpline_store("forget", by_number=True)
    try:
        erased = get_store().forget(key_of(normal, current_app.config["HELPLINE_HASH_KEY"].encode()))
    except StoreUnavailable:
        raise click.ClickException("the store (Redis) cannot be reached: nothing was erased; "
                                   "try again when it is back") from None
    if erased:
        click.echo("Erased everything kept about that number.")
    elif not exists(normal):
        raise click.ClickException(
            f"{number!r} is not a phone number that exists, and nothing was kept under it: "
            "nothing was erased. Write it as Twilio shows it: + and the country code, then the "
            "number without its first 0 (+31612345678; whatsapp:+31612345678 for a WhatsApp "
            "texter), and check that no digit is missing or one too many.")
    else:
        click.echo("Nothing was kept about that number.")


@helpline.command()
@click.option("--days", default=30, show_default=True, help="how many days back")
def stats(days: int) -> None:
    """Print the anonymous figures: per day, per event; and the most read answers."""
    from .stats import most_read, per_event, read_days
    from .store import StoreUnavailable, get_store

    _helpline_store("stats", by_number=False)
    try:
        found = read_days(get_store(), days)
    except StoreUnavailable:
        raise click.ClickException("the store (Redis) cannot be reached") from None
    rows = [(day, per_event(figures)) for day, figures in found if figures]
    if not rows:
        click.echo(f"No figures in the last {days} days.")
        return
    totals: dict[str, int] = {}
    for _, counted in rows:
        for event, value in counted.items():
            totals[event] = totals.get(event, 0) + value
    events = sorted(totals)
    click.echo("day         " + "".join(f"{e:>18}" for e in events))
    for day, counted in rows:
        click.echo(f"{day}  " + "".join(f"{counted.get(e, 0):>18}" for e in events))
    click.echo("total       " + "".join(f"{totals[e]:>18}" for e in events))
    answers = most_read(found)
    if answers:
        click.echo("\nMost read answers:")
        for name, value in answers:
            click.echo(f"  {value:>6}  {name}")


@helpline.command()
@click.argument("channel", type=click.Choice(["voice", "sms"]))
@click.option("--dial", is_flag=True,
              help="voice only: first put the caller through to the staff phones of "
              "content/contacts.yaml (example numbers are never dialled); a TwiML Bin cannot "
              "check the opening hours, so they ring at any hour")
def fallback(channel: str, dial: bool) -> None:
    """Print the TwiML for Twilio's fallback URL: the line is down, call 112 (in Dutch and English).

    Paste it into a TwiML Bin (hosted by Twilio) and set the Bin's URL as the number's "primary
    handler fails" URL: when this server cannot answer at all, callers and texters still hear
    where to turn, instead of Twilio's "application error". The same words as when the content
    never loaded. With --dial, a call first rings the staff phones, as 0 then 1 does.
    What the document holds is said on stderr, so that stdout is only the document.
    """
    from . import sms, voice
    from .twiml import sms_reply

    if channel == "sms":
        if dial:
            raise click.UsageError("--dial is for the voice fallback only")
        click.echo(sms_reply(sms.UNAVAILABLE).get_data(as_text=True))
        return
    if not dial:
        click.echo(voice.UNAVAILABLE)
        click.echo("included: \"the line is down, call 112\" (nl, en); no call to staff (with "
                   "--dial, the staff phones of content/contacts.yaml ring first)", err=True)
        return
    try:
        document, notes = voice.fallback_with_staff(_valid_catalog().content)
    except voice.NothingToDial as exc:
        raise click.ClickException(f"--dial: {exc}") from None
    click.echo(document)
    for note in notes:
        click.echo(note, err=True)


def init_app(app: Flask) -> None:
    from .simulate import simulate
    from .smoke import smoke

    helpline.add_command(simulate)
    helpline.add_command(smoke)
    app.cli.add_command(helpline)
