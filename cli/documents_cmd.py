"""``programs sheet`` and ``programs certificate``: the PDFs a funded program must keep.

The content comes from the core (:mod:`programs.sheet`, :mod:`programs.certificate`); files
are written through :func:`programs.api.write_private_file` (600, atomic, a checked name).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from programs.cli.toolkit import pass_app

from programs.i18n import gettext as _

LANGUAGES = click.Choice(["fr", "en"])


@click.command()
@click.argument("session_id", metavar="SESSION")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.pdf",
    help="The PDF to write.",
)
@click.option("--language", type=LANGUAGES, help="[default: the coach's, [core] language]")
@pass_app
def sheet(app: Any, session_id: str, output: Path, language: str | None) -> None:
    """Write the sign-in sheet of session SESSION (its id) as an A4 PDF.

    One row per participant with a seat, a box to sign per half-day (morning and afternoon
    for a session spanning the day), and one for the trainer. Printed after the session, the
    boxes show the attendance recorded.

    \b
    Example:
      programs sheet 1 -o jour-1.pdf
    """
    from programs.api import write_private_file
    from programs.domain.session import get_session
    from programs.sheet import sheet_of, sheet_pdf

    language = language or app.settings.coach_language
    with app.read() as db:
        found = sheet_of(db, get_session(db, session_id), language=language)
    written = write_private_file(output, sheet_pdf(found, language=language))
    click.echo(
        _("sign-in sheet of session #{id} ({n} participants): {path}").format(
            id=found.session_id, n=len(found.rows), path=written
        )
    )


@click.command()
@click.argument("slug")
@click.argument("person", required=False)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    metavar="FILE.pdf|DIR",
    help="The PDF to write; with --all, the folder to write them in.",
)
@click.option("--all", "every", is_flag=True, help="One certificate per participant with a seat.")
@click.option(
    "--nature",
    type=click.Choice(["training", "skills-assessment", "vae", "apprenticeship"]),
    default="training",
    show_default=True,
    help="The nature of the action.",
)
@click.option("--language", type=LANGUAGES, help="[default: each participant's]")
@pass_app
def certificate(
    app: Any,
    slug: str,
    person: str | None,
    output: Path,
    every: bool,
    nature: str,
    language: str | None,
) -> None:
    """Write the certificate of completion of PERSON in program SLUG (or --all).

    The organisation that delivered it comes from the [certificates] table of the config
    (organisation, address, siret, training_body_number, city, signatory), else the coach;
    the hours attended are the recorded half-days times the sessions' lengths, as
    `programs pathway` counts them.

    \b
    Example:
      programs certificate marseille-2026 "S. Martin" -o s-martin.pdf
      programs certificate marseille-2026 --all -o certificats/
    """
    from programs.api import write_private_file
    from programs.certificate import certificate_of, certificate_pdf, hours_text, issuer_from
    from programs.domain.base import get_program, seated_participants
    from programs.domain.participant import find_person
    from programs.errors import InvalidInput
    from programs.i18n import current_language

    if every == (person is not None):
        raise InvalidInput(_("name one PERSON, or give --all (not both)"))
    if every and not output.is_dir():
        raise InvalidInput(
            _("with --all, -o names an existing folder ({path})").format(path=output)
        )
    issuer = issuer_from(app.config.section("certificates"))
    with app.read() as db:
        program = get_program(db, slug)
        people = seated_participants(db, program) if every else [find_person(db, person)]  # type: ignore[arg-type]
        made = [
            (
                p,
                certificate_of(db, program, p, issuer=issuer, nature=nature, language=language),
            )
            for p in people
        ]
    for p, cert in made:
        target = output / f"certificate-{program.slug}-{p.id}.pdf" if every else output
        written = write_private_file(target, certificate_pdf(cert))
        click.echo(
            _("certificate of {name}: {hours} hours, {path}").format(
                name=p.name, hours=hours_text(cert.hours, current_language()), path=written
            )
        )
