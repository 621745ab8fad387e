"""Create press rooms and release files: `pressroom init` and `pressroom new`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import Problem, Severity, UserError
from .messages import say
from .settings import settings_path


def slug_for(title: str, day: date) -> str:
    """Return the file slug of a new release: ``YYYY-MM-DD-words-of-the-title``."""
    from slugify import slugify

    words = slugify(
        title,
        max_length=60,
        word_boundary=True,
        replacements=[
            ["Ä", "Ae"],
            ["Ö", "Oe"],
            ["Ü", "Ue"],
            ["ä", "ae"],
            ["ö", "oe"],
            ["ü", "ue"],
            ["ß", "ss"],
        ],
    )
    return f"{day.isoformat()}-{words or 'release'}"


def yaml_string(value: str) -> str:
    """Quote *value* as a YAML double-quoted scalar."""
    import json

    return json.dumps(value, ensure_ascii=False)


# A placeholder is text in double square brackets that starts with one of these words:
# `check` finds it by this mark, never by guessing at the wording around it.
PLACEHOLDER = re.compile(r"\[\[(?:Platzhalter|Placeholder):[^\]\n]*\]\]")

# The parts `new` leaves for the author to write, in the room's language.
PLACEHOLDERS = {
    "de": {
        "lead": "[[Platzhalter: Der Vorspann – das Wichtigste in zwei, drei Sätzen; er wird fett gedruckt.]]",
        "body": "[[Platzhalter: Der Text der Pressemitteilung. Absätze trennt eine Leerzeile.]]",
    },
    "en": {
        "lead": "[[Placeholder: The opening paragraph, printed in bold.]]",
        "body": "[[Placeholder: The body of the release. A blank line separates paragraphs.]]",
    },
}


@dataclass(frozen=True)
class Draft:
    """What a new release file says besides its title and date."""

    lead: str
    body: str
    place: str | None = None
    contacts: tuple[str, ...] = ()


def placeholder_draft(language: str, place: str | None, contacts: tuple[str, ...]) -> Draft:
    """The draft `pressroom new` writes: placeholders in *language* for the lead and body."""
    texts = PLACEHOLDERS.get(language, PLACEHOLDERS["en"])
    return Draft(texts["lead"], texts["body"], place, contacts)


def placeholder_problems(text: str, path: Path, status: str, language: str) -> list[Problem]:
    """Report each placeholder left in a release file at its line: a warning for a draft,
    an error for a ready release (it would be published as it stands)."""
    severity = Severity.ERROR if status == "ready" else Severity.WARNING
    return [
        Problem(path, number, say(language, "placeholder.left", text=match.group()), severity)
        for number, line in enumerate(text.split("\n"), start=1)
        for match in PLACEHOLDER.finditer(line)
    ]


def new_release(root: Path, title: str, day: date, draft: Draft) -> Path:
    """Write a new draft release file and return its path; never overwrite."""
    if not title.strip() or "\n" in title or "\r" in title:
        raise UserError("the title must be one non-empty line")
    path = root / "releases" / f"{slug_for(title, day)}.md"
    lines = ["---", f"title: {yaml_string(title.strip())}", f"date: {day.isoformat()}"]
    if draft.place:
        lines.append(f"place: {yaml_string(draft.place)}")
    if draft.contacts:
        lines.append(f"contacts: [{', '.join(draft.contacts)}]")
    lines += ["lead: >-", f"  {draft.lead}", "status: draft", "---", "", draft.body, ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write("\n".join(lines))
    except FileExistsError:
        raise UserError(f"{path} already exists; pressroom new never overwrites") from None
    return path


SETTINGS_TEMPLATE = """\
# pressroom settings: everything that stands under every release lives here once.
# Secrets never go in this file: only the names of environment variables.
organisation:
  name: {organisation}
  address: |
    {street}
    {town_line}
  website: https://www.example.org
  email: press@example.org
  phone: "+49 30 1234567"

site:
  base_url: https://www.example.org/press
  title: {site_title}
  language: {language}
  timezone: Europe/Berlin
  default_place: {town}
  default_contacts: [press]

contacts:
  press:
    name: Alex Example
    role: {role}
    email: press@example.org
    phone: "+49 30 1234567"

boilerplates:
  standard:
    valid_from: {valid_from}
    text: |
      {boilerplate}
"""

# The example press room `init` writes, in each language it speaks.
EXAMPLE = {
    "de": {
        "organisation": "Beispielverein e.V.",
        "street": "Beispielstraße 1",
        "town": "Beispielstadt",
        "town_line": "12345 Beispielstadt",
        "site_title": "Beispielverein – Pressemitteilungen",
        "role": "Pressesprecherin",
        "boilerplate": "Der Beispielverein e.V. wird von der Beispielstiftung gefördert.",
        "release_title": "Unsere erste Pressemitteilung",
        "lead": "Dies ist eine Beispiel-Pressemitteilung. Der Vorspann steht fett über dem Text.",
        "body": "Hier steht der Text. Absätze trennt eine Leerzeile. Kontakt, Anschrift und "
        "Förderhinweis kommen aus releases/pressroom.yaml und stehen unter jeder Mitteilung.",
    },
    "en": {
        "organisation": "Example Organisation e.V.",
        "street": "Example Street 1",
        "town": "Example Town",
        "town_line": "12345 Example Town",
        "site_title": "Example Organisation – Press releases",
        "role": "Press officer",
        "boilerplate": "Example Organisation e.V. is funded by the Example Foundation.",
        "release_title": "Our first press release",
        "lead": "This is an example press release. The opening paragraph is printed in bold.",
        "body": "The text goes here. A blank line separates paragraphs. The contact, address and "
        "funder text come from releases/pressroom.yaml and stand under every release.",
    },
}


TEMPLATES_README = """\
# Templates of this press room

This folder holds only the templates you change. Every other one comes from
pressroom itself, so your press room receives improved defaults with each
pressroom update.

A file here replaces pressroom's default of the same name: release.html (the web
page and the PDF), release.css, base.html, index.html (every list page: the
newsroom, its tag, language and yearly archive pages), index.css, email.html (the
e-mail's HTML part), release.txt (the text version and the e-mail's text part),
feed_entry.html (a release in the feeds), reference.docx (the Word styles;
`pressroom reference-docx reference.docx` writes the default to restyle). Run
`python -c "import pressroom.defaults as d; print(d.default_templates())"` to see
the defaults.

preview_panel.html (the bar at the top of every page of `pressroom serve`) and
preview_page.html (its page for a file it cannot show) can be replaced the same way.

Change one part of a page rather than copying all of it: extend the default as
`default/<name>` and replace only the blocks you need. `{{ super() }}` keeps the
default's content of a block. index.html here is such an override: it extends
`default/index.html` and adds one rule to its style. Delete it to get the default
back.

    {% extends "default/release.html" %}
    {% block meta %}
    {{ super() }}
    <meta name="robots" content="noarchive">
    {% endblock %}
"""

EXAMPLE_OVERRIDE = """\
{#- An example override: it replaces pressroom's index.html, takes everything from the
    default ("default/index.html") and changes one block. See README.md; delete this
    file to use the default unchanged. -#}
{% extends "default/index.html" %}
{% block style %}
{{ super() }}
/* The newsroom's title in the house colour. */
.index-title { color: var(--accent); }
{% endblock %}
"""


def init_pressroom(target: Path, today: date, language: str = "de") -> list[Path]:
    """Create a working press room in *target*: settings, one example release, and a
    templates/ folder with a README on overriding and one example override (the
    defaults are not copied: they come from pressroom, so they improve with it)."""
    settings = settings_path(target)
    if settings.exists():
        raise UserError(f"{settings} already exists; not overwriting a press room")
    settings.parent.mkdir(parents=True, exist_ok=True)
    example = EXAMPLE[language]
    settings.write_text(
        SETTINGS_TEMPLATE.format(language=language, valid_from=date(today.year, 1, 1).isoformat(), **example),
        encoding="utf-8",
    )
    created = [settings]
    draft = Draft(example["lead"], example["body"])
    created.append(new_release(target, example["release_title"], today, draft))
    ignore = target / ".gitignore"
    if not ignore.exists():
        # Outputs and the queue are made from the sources: they do not belong in git.
        ignore.write_text("build/\nvar/\n", encoding="utf-8")
        created.append(ignore)
    templates = target / "templates"
    templates.mkdir(exist_ok=True)
    for name, text in (("README.md", TEMPLATES_README), ("index.html", EXAMPLE_OVERRIDE)):
        path = templates / name
        if not path.exists():  # a templates/ folder already there keeps what it has
            path.write_text(text, encoding="utf-8")
            created.append(path)
    return created
