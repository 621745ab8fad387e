"""The messages PR staff read about their files, in the press room's language.

One catalog, no global state: every caller passes the language it writes for
(``site.language`` of the room; English where it is not known yet). A message
says what is wrong and what to do, in words a non-programmer can act on.
"""

from __future__ import annotations

import re

Language = str  # "de" or "en"; anything else falls back to English

_CATALOG: dict[str, dict[str, str]] = {
    "yaml.colon": {
        "en": "a colon inside a value: put the value in quotes, like this: {fixed}",
        "de": "Doppelpunkt im Wert: setzen Sie den Wert in Anführungszeichen, so: {fixed}",
    },
    "yaml.tab": {
        "en": "a tab character: indent with spaces, not with the Tab key",
        "de": "Tabulatorzeichen: rücken Sie mit Leerzeichen ein, nicht mit der Tab-Taste",
    },
    "yaml.syntax": {
        "en": "YAML syntax error: {reason} (check the spelling of this line: key, colon, space, value)",
        "de": "Fehler im Kopfbereich (YAML): {reason} (prüfen Sie diese Zeile: Schlüssel, Doppelpunkt, "
              "Leerzeichen, Wert)",
    },
    "yaml.character": {
        "en": "character U+{code:04X} is not allowed here: delete it",
        "de": "das Zeichen U+{code:04X} ist hier nicht erlaubt: löschen Sie es",
    },
    "word.break": {
        "en": "a line break pasted from Word (U+{code:04X}, Shift+Enter): delete it and press Enter "
              "for a new paragraph, or type a space",
        "de": "ein aus Word eingefügter Zeilenumbruch (U+{code:04X}, Umschalt+Eingabe): löschen Sie ihn "
              "und drücken Sie Eingabe für einen neuen Absatz, oder setzen Sie ein Leerzeichen",
    },
    "word.none": {"en": "none", "de": "keine"},
    "front.no_start": {
        "en": "the first line must be --- (three dashes), followed by the front matter (title:, date: ...)",
        "de": "die erste Zeile muss --- (drei Bindestriche) sein, danach folgt der Kopfbereich "
              "(title:, date: ...)",
    },
    "front.unclosed": {
        "en": "the front matter opened on line 1 is never closed: add a line --- after its last key "
              "(line {last}), before the text begins",
        "de": "der Kopfbereich, der in Zeile 1 beginnt, wird nicht geschlossen: fügen Sie nach seinem "
              "letzten Eintrag (Zeile {last}) eine Zeile --- ein, vor dem Text",
    },
    "date.german": {
        "en": "{key}: write the date as {iso} (year-month-day), not {given}",
        "de": "{key}: schreiben Sie das Datum als {iso} (Jahr-Monat-Tag), nicht {given}",
    },
    "value.not_iso_date": {
        "en": "{given!r} is not a date: write it as year-month-day, such as 2021-12-31 "
              "(with a time: 2021-12-31T10:00)",
        "de": "{given!r} ist kein Datum: schreiben Sie es als Jahr-Monat-Tag, etwa 2021-12-31 "
              "(mit Uhrzeit: 2021-12-31T10:00)",
    },
    "value.not_date_text": {
        "en": "expected a date (YYYY-MM-DD) or datetime, got {given!r}: write it as year-month-day, "
              "such as 2021-12-31",
        "de": "{given!r} ist kein Datum: schreiben Sie es als Jahr-Monat-Tag, etwa 2021-12-31",
    },
    "value.needs_time": {
        "en": "expected a date and time such as 2030-03-05T10:00, got {given!r}: add the time of day",
        "de": "hier gehört eine Uhrzeit zum Datum, etwa 2030-03-05T10:00; hier steht {given!r}: "
              "ergänzen Sie die Uhrzeit",
    },
    "value.day_only": {
        "en": "expected a date without time, got {given!r}: delete the time of day",
        "de": "hier gehört nur ein Datum ohne Uhrzeit hin, hier steht {given!r}: löschen Sie die Uhrzeit",
    },
    "value.age": {
        "en": "expected an age such as 14d (days) or 36h (hours), got {given!r}",
        "de": "hier gehört ein Alter hin, etwa 14d (Tage) oder 36h (Stunden); hier steht {given!r}",
    },
    "value.line_break": {
        "en": "line breaks are not allowed here: write it on one line",
        "de": "Zeilenumbrüche sind hier nicht erlaubt: schreiben Sie den Wert in eine Zeile",
    },
    "value.empty": {
        "en": "empty: write a value, or delete the line",
        "de": "leer: tragen Sie einen Wert ein oder löschen Sie die Zeile",
    },
    "value.control": {
        "en": "control character U+{code:04X} cannot go into XML: delete it",
        "de": "das Steuerzeichen U+{code:04X} kann nicht in die Ausgaben: löschen Sie es",
    },
    "value.language": {
        "en": "unsupported language {given!r} (use de or en)",
        "de": "die Sprache {given!r} gibt es hier nicht: schreiben Sie de oder en",
    },
    "address.invalid": {
        "en": "{address} is not a valid address: {reason}",
        "de": "{address} ist keine gültige E-Mail-Adresse: prüfen Sie die Schreibweise, etwa "
              "presse@beispiel.de",
    },
    "address.smtputf8": {
        "en": "{address} cannot be sent: the part before @ has non-ASCII letters; the mail server would "
              "need SMTPUTF8, which pressroom does not use",
        "de": "an {address} kann nicht gesendet werden: vor dem @ stehen Umlaute oder andere "
              "Sonderzeichen; schreiben Sie sie ohne (etwa ae statt ä)",
    },
    "body.link_target": {
        "en": "link {text!r} has no target: write the web address in the round brackets, "
              "like this: [text](https://example.org)",
        "de": "der Link {text!r} hat kein Ziel: schreiben Sie die Webadresse in die runden Klammern, "
              "so: [Text](https://beispiel.de)",
    },
    "body.image_missing": {
        "en": "image {name}: no such file in releases/ (put the file there or correct its name)",
        "de": "Bild {name}: diese Datei gibt es nicht im Ordner releases/ (legen Sie sie dort ab oder "
              "korrigieren Sie den Namen)",
    },
    "file.not_utf8": {
        "en": "not UTF-8 text: save the file again as UTF-8 (in the editor's \"Save as\" dialog)",
        "de": "kein UTF-8-Text: speichern Sie die Datei erneut im Format UTF-8 (im Dialog "
              "„Speichern unter“ des Editors)",
    },
    "file.unreadable": {
        "en": "cannot read: {reason} (check that the file exists and you may open it)",
        "de": "Datei kann nicht gelesen werden: {reason} (prüfen Sie, ob es sie gibt und ob Sie sie "
              "öffnen dürfen)",
    },
    "file.name": {
        "en": "file name must be YYYY-MM-DD-slug.md (lower-case letters, digits, dashes): rename it, "
              "such as 2021-05-04-new-lab.md",
        "de": "der Dateiname muss JJJJ-MM-TT-kurzname.md lauten (Kleinbuchstaben, Ziffern, "
              "Bindestriche): benennen Sie die Datei um, etwa 2021-05-04-neues-labor.md",
    },
    "duplicate.slug": {
        "en": "duplicate slug {value!r}, also used by {where}: rename one of the two files",
        "de": "der Kurzname {value!r} steht auch in {where}: benennen Sie eine der beiden Dateien um",
    },
    "duplicate.number": {
        "en": "duplicate number {value!r}, also used by {where}: change or delete one of the two numbers",
        "de": "die Nummer {value!r} hat auch {where}: ändern oder löschen Sie eine der beiden Nummern",
    },
    "number.published": {
        "en": "number: this release was published as {number}; a published number does not change "
              "(write number: {number})",
        "de": "number: diese Meldung wurde als {number} veröffentlicht; eine veröffentlichte Nummer "
              "bleibt (schreiben Sie number: {number})",
    },
    "number.taken": {
        "en": "number: {number} already belongs to {owner} (published {day}); choose another",
        "de": "number: {number} gehört schon zu {owner} (veröffentlicht am {day}); wählen Sie eine "
              "andere Nummer",
    },
    "number.taken_gone": {
        "en": "number: {number} already belongs to {owner} (published; its file is gone); choose another",
        "de": "number: {number} gehört schon zu {owner} (veröffentlicht, die Datei gibt es nicht mehr); "
              "wählen Sie eine andere Nummer",
    },
    "front.not_mapping": {
        "en": "expected a mapping of keys and values: write one key per line, such as title: My title",
        "de": "hier gehören Einträge der Form Schlüssel: Wert hin, einer pro Zeile, etwa "
              "title: Meine Überschrift",
    },
    "settings.no_file": {
        "en": "{value}: no such file in the press room (put it there or correct its name)",
        "de": "{value}: diese Datei gibt es nicht im Pressebereich (legen Sie sie ab oder korrigieren Sie "
              "den Namen)",
    },
    "settings.zone": {
        "en": "unknown time zone {zone!r}: write one such as Europe/Berlin",
        "de": "unbekannte Zeitzone {zone!r}: schreiben Sie etwa Europe/Berlin",
    },
    "period.reversed": {
        "en": "valid_until is before valid_from: swap the two dates or correct one",
        "de": "valid_until liegt vor valid_from: tauschen Sie die beiden Daten oder korrigieren Sie eines",
    },
    "settings.contact_unknown": {
        "en": "unknown contact {name!r} (known: {known})",
        "de": "unbekannter Kontakt {name!r} (bekannt: {known})",
    },
    "settings.base_url": {
        "en": "site.base_url is not set: feeds and e-mails link to {url}",
        "de": "site.base_url fehlt: Feeds und E-Mails verlinken auf {url}; tragen Sie die Adresse der "
              "Website ein",
    },
    "settings.channel_unknown": {
        "en": "unknown channel {name!r} (known: {known})",
        "de": "unbekannter Versandweg {name!r} (vorhanden: {known})",
    },
    "settings.list_unknown": {
        "en": "unknown list {name!r} (known: {known})",
        "de": "unbekannte Verteilerliste {name!r} (vorhanden: {known})",
    },
    "settings.list_empty": {
        "en": "list has no recipients",
        "de": "die Liste hat keine Empfänger: tragen Sie unter recipients: welche ein",
    },
    "import.created": {"en": "created {path}", "de": "angelegt: {path}"},
    "import.picture": {"en": "saved picture {path}", "de": "Bild gespeichert: {path}"},
    "import.contacts": {"en": "contacts recognised: {names}", "de": "Kontakte erkannt: {names}"},
    "import.funders": {
        "en": "funder text recognised and left out (printed from the settings): {names}",
        "de": "Förderhinweis erkannt und weggelassen (er wird aus den Einstellungen gedruckt): {names}",
    },
    "import.removed": {
        "en": "{count} line(s) of contact, address and funder blocks left out",
        "de": "{count} Zeile(n) aus Kontakt-, Adress- und Förderblöcken weggelassen",
    },
    "import.changes": {
        "en": "{count} tracked change(s) accepted",
        "de": "{count} nachverfolgte Änderung(en) angenommen",
    },
    "import.todos": {
        "en": "{count} comment(s) became todo: entries",
        "de": "{count} Kommentar(e) stehen jetzt unter todo:",
    },
    "import.encrypted": {
        "en": "the file is password-protected (or an old .doc): remove the password in Word "
              "(File > Info > Protect Document) or save it as .docx, then import again",
        "de": "die Datei ist mit einem Kennwort geschützt (oder ein altes .doc): entfernen Sie das Kennwort "
              "in Word (Datei > Informationen > Dokument schützen) oder speichern Sie sie als .docx und "
              "importieren Sie erneut",
    },
    "import.not_docx": {
        "en": "not a Word document (.docx): save the draft as .docx and import again",
        "de": "kein Word-Dokument (.docx): speichern Sie den Entwurf als .docx und importieren Sie erneut",
    },
    "import.no_document": {
        "en": "not a Word document (.docx): it holds no word/document.xml; save the draft from Word as "
              ".docx and import again",
        "de": "kein Word-Dokument (.docx): der Text (word/document.xml) fehlt darin; speichern Sie den "
              "Entwurf in Word als .docx und importieren Sie erneut",
    },
    "import.damaged": {
        "en": "the .docx file is damaged (cut off or corrupt): save it again from Word",
        "de": "die .docx-Datei ist beschädigt (abgeschnitten oder fehlerhaft): speichern Sie sie in Word "
              "erneut",
    },
    "import.unreadable": {
        "en": "Word could not be read: {reason}",
        "de": "das Word-Dokument ließ sich nicht lesen: speichern Sie es in Word erneut als .docx und "
              "importieren Sie nochmals",
    },
    "import.no_title": {
        "en": "no title found: give the draft a title (the Title style or a first line)",
        "de": "keine Überschrift gefunden: geben Sie dem Entwurf eine Überschrift (Formatvorlage „Titel“ "
              "oder eine erste Zeile)",
    },
    "import.exists": {
        "en": "{name} exists already in releases/: rename or remove it first",
        "de": "{name} gibt es schon im Ordner releases/: benennen Sie die Datei um oder entfernen Sie sie "
              "zuerst",
    },
    "now.invalid": {
        "en": "--now: {given!r} is not an ISO 8601 date or datetime: write it as year-month-day and "
              "time, such as 2021-05-04T10:00",
        "de": "--now: {given!r} ist kein Zeitpunkt: schreiben Sie ihn als Jahr-Monat-Tag und Uhrzeit, "
              "etwa 2021-05-04T10:00",
    },
    "serve.port": {
        "en": "port {port} is in use on {host}: stop the other server, or choose another port with --port",
        "de": "Port {port} ist auf {host} schon belegt: beenden Sie den anderen Server oder wählen Sie "
              "mit --port einen anderen Port",
    },
    "value.choice": {
        "en": "{key}: {given!r} is not possible here; write {choices}",
        "de": "{key}: {given!r} ist hier nicht möglich; schreiben Sie {choices}",
    },
    "word.or": {"en": "or", "de": "oder"},
    "key.duplicate": {
        "en": "{key}: duplicate key (this key is given twice: keep one)",
        "de": "{key}: dieser Schlüssel steht zweimal da: behalten Sie nur einen",
    },
    "key.unknown": {
        "en": "{key}: unknown key{hint}",
        "de": "{key}: unbekannter Schlüssel{hint}",
    },
    "key.did_you_mean": {
        "en": ", did you mean {guess}?",
        "de": ", meinten Sie {guess}?",
    },
    "key.known": {
        "en": " (known keys: {known})",
        "de": " (bekannte Schlüssel: {known})",
    },
    "key.missing": {
        "en": "{key}: required key is missing",
        "de": "{key}: dieser Pflichteintrag fehlt",
    },
    "type.wrong": {
        "en": "{key}: expected {expected}, got {got}{hint}",
        "de": "{key}: erwartet wird {expected}, hier steht {got}{hint}",
    },
    "type.quote_hint": {"en": "; put it in quotes", "de": "; setzen Sie den Wert in Anführungszeichen"},
    "expected.text": {"en": "text", "de": "Text"},
    "expected.bool": {"en": "true or false", "de": "true oder false"},
    "expected.int": {"en": "a whole number", "de": "eine ganze Zahl"},
    "expected.list": {"en": "a list", "de": "eine Liste"},
    "expected.mapping": {"en": "a mapping", "de": "eine Zuordnung (Schlüssel: Wert)"},
    "got.bool": {"en": "the boolean {value}", "de": "der Wahrheitswert {value}"},
    "got.number": {"en": "the number {value}", "de": "die Zahl {value}"},
    "got.nothing": {"en": "nothing", "de": "nichts"},
    "got.list": {"en": "a list", "de": "eine Liste"},
    "got.mapping": {"en": "a mapping", "de": "eine Zuordnung"},
    "list.unknown": {
        "en": "distribution: unknown list {name!r} (known: {known})",
        "de": "distribution: unbekannte Verteilerliste {name!r} (bekannt: {known})",
    },
    "contact.unknown": {
        "en": "contacts: unknown contact {name!r} (known: {known})",
        "de": "contacts: unbekannter Kontakt {name!r} (bekannt: {known})",
    },
    "file.missing": {
        "en": "{key}: {name}: no such file inside releases/",
        "de": "{key}: {name}: diese Datei gibt es nicht im Ordner releases/",
    },
    "embargo.past": {
        "en": "embargo: already past",
        "de": "embargo: die Sperrfrist ist schon vorbei",
    },
    "date.future": {
        "en": "date: dated in the future: public from {when} ({zone})",
        "de": "date: Datum in der Zukunft: öffentlich ab {when} ({zone})",
    },
    "lead.missing": {
        "en": "lead: no lead paragraph",
        "de": "lead: kein Vorspann (der fett gedruckte erste Absatz): fügen Sie eine Zeile lead: hinzu",
    },
    "name.date_differs": {
        "en": "the file name says {named}, but date: says {dated}: rename the file to {fixed} "
              "or correct the date",
        "de": "der Dateiname nennt {named}, aber date: sagt {dated}: benennen Sie die Datei in {fixed} "
              "um oder korrigieren Sie das Datum",
    },
    "body.empty": {
        "en": "the release has no text below the front matter",
        "de": "die Meldung hat keinen Text unter dem Kopfbereich",
    },
    "file.not_md": {
        "en": "looks like a release but is not read (only files ending in .md are): rename it to {fixed}",
        "de": "sieht aus wie eine Meldung, wird aber nicht gelesen (nur Dateien mit der Endung .md): "
              "benennen Sie sie in {fixed} um",
    },
    "placeholder.left": {
        "en": "placeholder not replaced yet: {text} (replace it, brackets included, with your text)",
        "de": "Platzhalter noch nicht ersetzt: {text} (ersetzen Sie ihn samt Klammern durch Ihren Text)",
    },
    "todo.ready": {
        "en": "todo: still to do before the release is ready: {item} (do it, then delete its line)",
        "de": "todo: vor der Veröffentlichung noch zu erledigen: {item} (erledigen Sie es und löschen "
              "Sie dann die Zeile)",
    },
    "todo.open": {
        "en": "todo: {item}",
        "de": "todo: noch zu erledigen: {item}",
    },
    "image.alt": {
        "en": "image {file} has no alt text: say under alt: in one sentence what it shows",
        "de": "Bild {file} hat keinen Alternativtext: beschreiben Sie unter alt: in einem Satz, was "
              "darauf zu sehen ist",
    },
    "image.credit": {
        "en": "image {file} has no credit: name the photographer under credit:",
        "de": "Bild {file} hat keine Bildquelle: nennen Sie unter credit: die Fotografin oder den Fotografen",
    },
    "date.dst": {
        "en": "date: this local time does not exist or is ambiguous (daylight saving): choose another time",
        "de": "date: diese Uhrzeit gibt es wegen der Zeitumstellung nicht oder zweimal: wählen Sie eine "
              "andere Uhrzeit",
    },
    "moment.dst": {
        "en": "{key}: {when} does not exist or is ambiguous in {zone} (daylight saving); give an offset, "
              "such as +02:00",
        "de": "{key}: {when} gibt es in {zone} wegen der Zeitumstellung nicht oder zweimal: geben Sie "
              "den Zeitversatz an, etwa +02:00",
    },
    "event.url": {
        "en": "event.url: {url} is not a web address (http, https); it is left out",
        "de": "event.url: {url} ist keine Webadresse (http, https) und wird weggelassen: schreiben Sie "
              "sie mit https:// davor",
    },
    "updated.early": {
        "en": "updated: before the release is public (its date or embargo); updated is the last "
              "revision after publication",
        "de": "updated: liegt vor der Veröffentlichung (Datum oder Sperrfrist); tragen Sie hier nur "
              "eine spätere Überarbeitung ein",
    },
    "place.missing": {
        "en": "place: required key is missing (and the settings give no default_place)",
        "de": "place: der Ort fehlt (und die Einstellungen nennen keinen default_place): schreiben "
              "Sie etwa place: Rostock",
    },
    "boilerplate.none": {
        "en": "date: no boilerplate period covers {day}",
        "de": "date: kein Zeitraum unter boilerplates: in releases/pressroom.yaml deckt den {day} ab: "
              "ergänzen Sie dort einen oder nennen Sie einen mit boilerplate:",
    },
    "boilerplate.two": {
        "en": "date: {day} is covered by two boilerplate periods: {ids}",
        "de": "date: der {day} liegt in zwei Zeiträumen unter boilerplates: ({ids}): nennen Sie einen "
              "mit boilerplate:",
    },
    "boilerplate.unknown": {
        "en": "boilerplate: unknown boilerplate {name} (known: {known})",
        "de": "boilerplate: {name} steht nicht unter boilerplates: (vorhanden: {known})",
    },
    "link.no_target": {
        "en": "links: {title} has no target",
        "de": "links: {title} hat kein Ziel: tragen Sie unter url: die Webadresse ein",
    },
    "title.long": {
        "en": "title: very long ({length} characters; keep it under {limit})",
        "de": "title: sehr lang ({length} Zeichen; kürzen Sie ihn auf unter {limit})",
    },
}

class Unsaid(ValueError):
    """A problem found where the room's language is not known (a schema validator, an address
    check): its catalog id and values, said in English by ``str`` and in the room's language by
    ``said`` once the caller knows it (validation.py)."""

    def __init__(self, message: str, /, **values: object) -> None:
        super().__init__(say("en", message, **values))
        self.message = message
        self.values = values

    def said(self, language: Language) -> str:
        """This problem in *language*."""
        return say(language, self.message, **self.values)


WORD_BREAKS = {0x0B, 0x2028, 0x2029}
_GERMAN_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(.*)$")


def say(language: Language, message: str, /, **values: object) -> str:
    """The *message* of the catalog in *language* (English when it has no such language)."""
    texts = _CATALOG[message]
    return texts.get(language, texts["en"]).format(**values)


def iso_of_german_date(text: str) -> str | None:
    """``2021-12-31`` for a date written the German way (``31.12.2021``, ``31.12.21``), else None.

    A two-digit year is read as 20YY: press releases are not older than 2000.
    """
    match = _GERMAN_DATE.match(text)
    if match is None:
        return None
    day, month, year, rest = match.groups()
    if len(year) == 2:
        year = f"20{year}"
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    time = rest.strip()
    return f"{year}-{int(month):02d}-{int(day):02d}" + (f" {time}" if time else "")


_SITE_LANGUAGE = re.compile(r"^\s+language:\s*['\"]?(de|en)['\"]?\s*(?:#.*)?$", re.MULTILINE)


def language_of_settings(text: str) -> Language:
    """The room's language read from the settings file's lines, before (or without) parsing it:
    its settings' own errors are said in that language. English when it does not say."""
    match = _SITE_LANGUAGE.search(text)
    return match.group(1) if match else "en"
