"""The release view: everything any format shows of one release, decided once.

``release_view`` turns a resolved Release (and the moment, for the embargo
notice) into a frozen ReleaseView: the words already localised ("Pressemitteilung
3/2013", "Pressekontakte", "Gefördert durch"), the Markdown already rendered to
sanitized HTML and to wrapped plain text, and every front-matter URL already
vetted. Every format (web page, PDF, DOCX, text, e-mail, feed entry) renders from
it, so what a release shows is decided here and nowhere else; the templates only
arrange it.

The view is plain data (strings, tuples, paths), so it pickles into the build's
forked workers. Fields a reader never sees as such (link targets, the Markdown
source, the language code) carry ``metadata={"shown": False}``; fields holding
HTML carry ``{"shown": "html"}`` (their text is what is shown). The test of every
format walks the fields by that mark: a new field is expected in every output
until it is marked otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Generic, TypeVar
from urllib.parse import quote, unquote

from markupsafe import Markup

from .. import markup
from ..errors import UserError
from ..model import Contact, Image, Organisation, Release, Settings
from ..urls import absolute_href, safe_href
from . import RenderContext
from .labels import format_moment, format_span, label, number_label
from .plaintext import inline_text, markdown_to_text

T = TypeVar("T")
HIDDEN = {"shown": False}  # machine data: link targets, sources, codes, moments
HTML = {"shown": "html"}  # sanitized HTML: readers see its text


@dataclass(frozen=True)
class Prose:
    """One Markdown text (lead, body, boilerplate) in the forms the formats need."""

    markdown: str = field(metadata=HIDDEN)  # the source, for the DOCX token walker
    html: Markup = field(metadata=HTML)  # sanitized HTML
    text: str = field(metadata=HIDDEN)  # plain text, links as "text (URL)"


@dataclass(frozen=True)
class LinkView:
    """A "more information" link: *href* is None when the URL may not be a link target."""

    title: str
    href: str | None = field(metadata=HIDDEN)
    # The URL as readers see it (percent-escapes decoded), "" when unsafe: printed where
    # a link cannot be followed (PDF, DOCX, text), so not a block of every format.
    address: str = field(metadata=HIDDEN)


@dataclass(frozen=True)
class AttachmentView:
    """A file published next to the release; *href* is its path relative to the release page."""

    name: str
    href: str = field(metadata=HIDDEN)


@dataclass(frozen=True)
class ImageView:
    """A picture with what must travel with it: caption, credit ("Foto: ..."), licence.

    *file* is its path below releases/ and *href* its address relative to the release
    page (the build publishes it there, full size); *path* the file to embed (PDF, DOCX).
    *alt* is shown instead of the picture where it cannot be seen, so it is no block
    of every format. The names match schema.org's ImageObject where they can (JSON-LD).
    An image the body shows is not shown twice: its figure carries only the caption lines.
    """

    file: str = field(metadata=HIDDEN)
    href: str = field(metadata=HIDDEN)
    alt: str = field(metadata=HIDDEN)
    caption: str
    credit: str
    license: str
    width: int | None = field(metadata=HIDDEN)
    height: int | None = field(metadata=HIDDEN)
    path: Path = field(metadata=HIDDEN)
    # Shown by the body where it stands: the figure gives its caption, credit and licence only.
    in_body: bool = field(metadata=HIDDEN)


@dataclass(frozen=True)
class ContactView:
    """One press contact, with link targets for its e-mail address and phone number."""

    name: str
    role: str
    email: str
    phone: str
    email_href: str = field(metadata=HIDDEN)  # "mailto:..." or ""
    phone_href: str = field(metadata=HIDDEN)  # "tel:+49..." or ""


@dataclass(frozen=True)
class FunderView:
    name: str
    logo: Path | None = field(metadata=HIDDEN)


@dataclass(frozen=True)
class Block(Generic[T]):
    """A headed list: links, attachments, contacts or funders. Empty means not shown."""

    heading: str
    items: tuple[T, ...]

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass(frozen=True)
class OrganisationView:
    """The sender block: name, postal address, phone, e-mail, website."""

    name: str
    address_lines: tuple[str, ...]
    phone: str
    email: str
    website: str = field(metadata=HIDDEN)  # the URL, for links
    website_shown: str  # "www.example.org": the URL without scheme and trailing slash
    logo: Path | None = field(metadata=HIDDEN)


@dataclass(frozen=True)
class EventView:
    """The press event a release announces (the "Termin" box), and its calendar data."""

    heading: str  # "Termin" / "Event"
    title: str
    when: str  # "05.03.2030, 10:00–12:00 Uhr"
    location: str
    address_lines: tuple[str, ...]
    url: str  # the URL as readers see it, "" when unsafe: printed where links cannot be followed
    href: str | None = field(metadata=HIDDEN)
    start: datetime = field(metadata=HIDDEN)  # aware, in the site zone
    end: datetime | None = field(metadata=HIDDEN)
    ics: str = field(metadata=HIDDEN)  # the calendar file, relative to the release page


@dataclass(frozen=True)
class ReleaseView:
    """Everything the formats show of one release, localised and made safe (see the module)."""

    slug: str = field(metadata=HIDDEN)
    language: str = field(metadata=HIDDEN)
    published: datetime = field(metadata=HIDDEN)  # aware; the release date and time
    number: str = field(metadata=HIDDEN)  # "3/2013" (for document metadata); "" for a draft
    keywords: str = field(metadata=HIDDEN)  # the tags, for document metadata
    description: str = field(metadata=HIDDEN)  # plain text of lead or subtitle, for metadata
    draft_notice: str | None  # "Entwurf – nicht zur Veröffentlichung" for drafts
    embargo_notice: str | None  # "Sperrfrist: ..." while the release is held back
    kicker: str  # "Pressemitteilung 3/2013"; "" without a number (a draft)
    dateline: str  # "Rostock, 26.08.2021"
    title: str  # plain text in every format: a "*" is a gender star, not emphasis
    subtitle: str | None
    lead: Prose | None
    body: Prose
    images: tuple[ImageView, ...]  # listed under images:, then the body's (see load.release_images)
    links: Block[LinkView]
    attachments: Block[AttachmentView]
    contacts: Block[ContactView]
    boilerplate: Prose
    funders: Block[FunderView]
    organisation: OrganisationView
    event: EventView | None = None  # a press event, when the front matter has one
    # The page's public address while the release is public at the view's moment; None for
    # a preview (draft, embargo), whose public address does not exist yet and is named nowhere.
    canonical_url: str | None = field(default=None, metadata=HIDDEN)

    @property
    def date_iso(self) -> str:
        """The release date as ``YYYY-MM-DD`` (for ``<time datetime>``)."""
        return self.published.date().isoformat()


def render_template(ctx: RenderContext, name: str, view: ReleaseView, **extra: object) -> str:
    """Render the template *name* with *view* (as ``view``, its language as ``lang``) and *extra*.

    A press room's copy of an older default (``pressroom init`` used to copy them all)
    may still ask for the variables templates had before the view: it fails here
    with its file named and what to do, not with a bare "'release' is undefined".
    """
    return render_room_template(ctx, name, "templates get the release as `view`",
                                view=view, lang=view.language, **extra)


def render_room_template(ctx: RenderContext, name: str, hint: str, **context: object) -> str:
    """Render the template *name* with *context*; a name it asks for that is not there
    (a room's copy of an older default) is a UserError naming the file, with *hint*, and
    so is a syntax error (naming the file and line where it is)."""
    import jinja2

    try:
        template = ctx.env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        where = Path(exc.filename) if exc.filename else None
        raise UserError(f"template {name}: {exc.message}", where, exc.lineno) from exc
    try:
        return template.render(**context)
    except jinja2.UndefinedError as exc:
        where = Path(template.filename) if template.filename else None
        raise UserError(
            f"template {name}: {exc.message}; {hint} (see the README, Templates): "
            "update this copy of an older default, or delete it",
            where,
        ) from exc


def release_view(release: Release, ctx: RenderContext) -> ReleaseView:
    """Return the view of *release* at ``ctx.now``, built once per context and release.

    Formats rendered with the same context share one view (the build makes a
    context per release, so nothing outlives it).
    """
    cached = ctx.views.get(release.slug)
    if cached is not None and cached[0] is release:
        return cached[1]
    view = build_view(release, ctx)
    ctx.views[release.slug] = (release, view)
    return view


def build_view(release: Release, ctx: RenderContext) -> ReleaseView:
    """Build the view of *release* (uncached; see ``release_view``)."""
    lang = release.language
    settings = ctx.settings
    embargo_notice = None
    if release.is_embargoed(ctx.now):
        moment = format_moment(release.public_from.astimezone(settings.site.zone), lang)
        embargo_notice = label(lang, "embargo_notice", moment=moment)
    contacts_key = "press_contacts" if len(release.contacts) > 1 else "press_contact"
    return ReleaseView(
        slug=release.slug,
        language=lang,
        published=release.published,
        number=release.number or "",
        keywords=", ".join(release.tags),
        description=description(release),
        draft_notice=label(lang, "draft") if release.status == "draft" else None,
        embargo_notice=embargo_notice,
        kicker=number_label(release),
        dateline=release.dateline,
        title=release.title,
        subtitle=release.subtitle or None,
        lead=inline_prose(release.lead) if release.lead and release.lead.strip() else None,
        body=prose(release.body),
        images=tuple(image_view(image) for image in release.images),
        links=Block(
            label(lang, "more_information"),
            tuple(link_view(link.title, link.url) for link in release.links),
        ),
        attachments=Block(
            label(lang, "attachments"),
            tuple(attachment_view(path, settings.releases_dir) for path in release.attachments),
        ),
        contacts=Block(
            label(lang, contacts_key), tuple(contact_view(c, release.date) for c in release.contacts)
        ),
        boilerplate=prose(release.boilerplate.text),
        funders=Block(
            label(lang, "funded_by"),
            tuple(FunderView(f.name, f.logo) for f in release.boilerplate.funders),
        ),
        organisation=organisation_view(settings.organisation),
        event=event_view(release, settings.site.zone) if release.event else None,
        canonical_url=page_url(release, settings) if release.is_public(ctx.now) else None,
    )


def page_url(release: Release, settings: Settings) -> str:
    """Return the public address of the release page (``public/<slug>/<slug>.html``)."""
    return settings.site.url(f"{release.slug}/{release.slug}.html")


def event_view(release: Release, zone: tzinfo) -> EventView:
    """Return the "Termin" box of *release* (which has an event), its times in the site *zone*."""
    event = release.event
    assert event is not None
    start = event.start.astimezone(zone)
    end = event.end.astimezone(zone) if event.end else None
    # Absolute only: the address travels into the calendar file and the e-mail.
    href = absolute_href(event.url) if event.url else None
    return EventView(
        heading=label(release.language, "event"),
        title=event.title,
        when=format_span(start, end, release.language),
        location=event.location,
        address_lines=tuple(line.strip() for line in event.address.splitlines() if line.strip()),
        url=unquote(href) if href else "",
        href=href,
        start=start,
        end=end,
        ics=f"{release.slug}.ics",
    )


def description(release: Release) -> str:
    """Return the plain text of the lead, else of the subtitle (for summaries and metadata)."""
    for candidate in (release.lead, release.subtitle):
        if candidate and candidate.strip():
            return markup.plain_text(candidate).strip()
    return ""


def prose(text: str) -> Prose:
    """Render block Markdown (body, boilerplate) to sanitized HTML and wrapped plain text."""
    return Prose(text, Markup(markup.to_html(text)), markdown_to_text(text))


def inline_prose(text: str) -> Prose:
    """Render one paragraph of Markdown (the lead) without its <p>, and as one line of text."""
    tokens = markup.parser().parseInline(text.strip())
    plain = inline_text(tokens[0].children or []) if tokens else ""
    return Prose(text, Markup(markup.inline_to_html(text)), plain)


def link_view(title: str, url: str) -> LinkView:
    """Vet a front-matter link: it skips the Markdown sanitizer, so it gets the same policy here."""
    href = safe_href(url)
    return LinkView(title, href, unquote(href) if href else "")


def attachment_view(path: Path, releases_dir: Path) -> AttachmentView:
    """Address an attachment as the build places it: its path below releases/."""
    try:
        href = path.resolve().relative_to(releases_dir.resolve()).as_posix()
    except ValueError:
        href = path.name
    return AttachmentView(path.name, href)


def image_view(image: Image) -> ImageView:
    """Return the view of one image; its href is its path below releases/, as the build places it."""
    return ImageView(
        file=image.file,
        href=quote(image.file),
        alt=image.alt,
        caption=image.caption,
        credit=image.credit,
        license=image.license,
        width=image.width,
        height=image.height,
        path=image.path,
        in_body=image.in_body,
    )


def contact_view(contact: Contact, day: date) -> ContactView:
    """Return a contact as it was on *day* (its role then) with its mailto: and tel: targets."""
    phone_digits = "".join(ch for ch in contact.phone if ch.isdigit() or ch == "+")
    return ContactView(
        name=contact.name,
        role=contact.role_on(day),
        email=contact.email or "",
        phone=contact.phone,
        email_href=f"mailto:{contact.email}" if contact.email else "",
        phone_href=f"tel:{phone_digits}" if phone_digits else "",
    )


def organisation_view(organisation: Organisation) -> OrganisationView:
    """Return the sender block; blank address lines go."""
    lines = tuple(line.strip() for line in organisation.address.splitlines() if line.strip())
    return OrganisationView(
        name=organisation.name,
        address_lines=lines,
        phone=organisation.phone,
        email=organisation.email or "",
        website=organisation.website,
        website_shown=display_url(organisation.website),
        logo=organisation.logo,
    )


def display_url(url: str) -> str:
    """Shorten a website address for reading: "https://www.x.de/" -> "www.x.de"."""
    for prefix in ("https://", "http://"):
        url = url.removeprefix(prefix)
    return url.rstrip("/")
