"""Names in the case the sentence needs: people, organisations and positions in printed documents.

A document says «даю согласие Муниципальному бюджетному общеобразовательному учреждению …», «в лице
директора Соколовой Н. В.», «назначить заместителя директора по УВР Лебедеву Е. В.»: a name pasted in
the nominative reads as a machine's form letter, and a paper that goes to the district is retyped.
Everything that declines lives here, and templates reach it through one filter (``{{ x|case:"gent" }}``,
registry.templatetags.grammar), so every document declines the same way.

- People decline with pytrovich (the petrovich rules: Ильич, Любовь, Шевченко, a woman's Кох, double
  surnames, «оглы»/«кызы»). The gender comes from the patronymic via pytrovich's detector; a person
  record may set it by hand where the detector cannot know (no patronymic, a foreign name).
- Organisations and positions are phrases: the leading words up to and including the head noun
  decline (with pymorphy3), the rest — a quoted proper name «…», a number, words already in the
  genitive («… учреждение Владимирской области», «заместитель директора по УВР») — stays. An
  organisation keeps its five forms (generated once, editable by hand) because an official name is
  something a person should be able to check and correct; a position is declined when printed.
- Initials follow one rule, ``initials``: «Е. В.», after the surname in a sentence («Лебедевой Е. В.»)
  and before it under a signature («Е. В. Лебедева»).

Cases are pymorphy's names: nomn, gent, datv, accs, ablt, loct.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re

from django.utils.translation import gettext_lazy as _

CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
# The forms an organisation stores (the nominative is its full name).
STORED_CASES = CASES[1:]
CASE_LABELS = {
    "gent": _("родительный падеж (кого? чего?)"),
    "datv": _("дательный падеж (кому? чему?)"),
    "accs": _("винительный падеж (кого? что?)"),
    "ablt": _("творительный падеж (кем? чем?)"),
    "loct": _("предложный падеж (в ком? в чём?)"),
}

MALE, FEMALE = "m", "f"
GENDER_CHOICES = (("", _("определить по отчеству")), (MALE, _("мужской")), (FEMALE, _("женский")))
GENDER_HELP = _("Нужен, чтобы ФИО в документах стояло в нужном падеже; обычно определяется по отчеству.")

# Turkic patronymics: the father's name and «оглы»/«кызы» never decline.
_TURKIC_PATRONYMIC = re.compile(r"(?:^|[\s-])(оглы|кызы|улы|уулу)$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def initials(*parts: str) -> str:
    """«Елена», «Викторовна» → «Е. В.»: the project's one initials rule (menu bar, documents)."""
    return " ".join(f"{part.strip()[0]}." for part in parts if part and part.strip())


# --- people --------------------------------------------------------------------------------------------


@functools.cache
def _petrovich():
    from pytrovich.detector import PetrovichGenderDetector
    from pytrovich.enums import Case, Gender, NamePart
    from pytrovich.maker import PetrovichDeclinationMaker

    cases = {"gent": Case.GENITIVE, "datv": Case.DATIVE, "accs": Case.ACCUSATIVE, "ablt": Case.INSTRUMENTAL,
             "loct": Case.PREPOSITIONAL}
    genders = {MALE: Gender.MALE, FEMALE: Gender.FEMALE, "": Gender.ANDROGYNOUS}
    return PetrovichDeclinationMaker(), PetrovichGenderDetector(), cases, genders, NamePart, Gender


def _is_initial(part: str) -> bool:
    return len(part) <= 2 and part.endswith(".") or len(part) == 1


def detect_gender(last_name: str = "", first_name: str = "", patronymic: str = "") -> str:
    """«m», «f» or «» (unknown): the patronymic decides, else the first name and surname agree."""
    maker, detector, _cases, _genders, _parts, gender = _petrovich()
    names = {"lastname": last_name, "firstname": first_name, "middlename": patronymic}
    names = {key: value.strip() for key, value in names.items() if value and value.strip() and not _is_initial(value)}
    if not names:
        return ""
    if "middlename" in names and _TURKIC_PATRONYMIC.search(names["middlename"]):
        word = _TURKIC_PATRONYMIC.search(names.pop("middlename"))[1].lower()
        return MALE if word in ("оглы", "улы", "уулу") else FEMALE
    found = detector.detect(**names)
    return {gender.MALE: MALE, gender.FEMALE: FEMALE}.get(found, "")


@dataclasses.dataclass(frozen=True)
class Person:
    """A name to print: parts as typed (an initial stays an initial) and, optionally, the gender by hand."""

    last_name: str
    first_name: str = ""
    patronymic: str = ""
    gender: str = ""

    @classmethod
    def of(cls, value) -> Person:
        """A Participant, a User, a Person — anything with last_name / first_name / patronymic."""
        if isinstance(value, Person):
            return value
        return cls(getattr(value, "last_name", "") or "", getattr(value, "first_name", "") or "",
                   getattr(value, "patronymic", "") or "", getattr(value, "gender", "") or "")

    @classmethod
    def parse(cls, text: str, gender: str = "") -> Person:
        """A name typed as one string: «Н.В. Соколова», «Соколова Н. В.», «Соколова Наталья Владимировна».

        Initials may come first (the way a signature is written) or last; without initials the order
        is surname, first name, patronymic — the order of Russian registers.
        """
        text = _SPACES.sub(" ", (text or "").strip())
        leading = re.match(r"^((?:[А-ЯЁA-Z]\.\s?){1,2})\s*(\S.*)$", text)
        if leading:
            letters = re.findall(r"[А-ЯЁA-Z]\.", leading[1])
            return cls(leading[2], *(letters + ["", ""])[:2], gender=gender)
        trailing = re.match(r"^(\S.*?)\s+((?:[А-ЯЁA-Z]\.\s?){1,2})$", text)
        if trailing:
            letters = re.findall(r"[А-ЯЁA-Z]\.", trailing[2])
            return cls(trailing[1], *(letters + ["", ""])[:2], gender=gender)
        words = text.split(" ")
        if len(words) > 3 and _TURKIC_PATRONYMIC.search(text):
            words = [*words[:2], " ".join(words[2:])]
        words += ["", ""]
        return cls(words[0], words[1], " ".join(w for w in words[2:] if w), gender=gender)

    @property
    def resolved_gender(self) -> str:
        return self.gender or detect_gender(self.last_name, self.first_name, self.patronymic)

    @property
    def is_female(self) -> bool:
        return self.resolved_gender == FEMALE

    def __bool__(self):
        return bool(self.last_name.strip() or self.first_name.strip())

    def inflected(self, case: str) -> Person:
        """The same person in ``case``; initials and «оглы»/«кызы» patronymics stay as they are."""
        if case == "nomn" or case not in CASES or not self:
            return self
        maker, _detector, cases, genders, part, _gender = _petrovich()
        gender = self.resolved_gender
        known = bool(self.gender)

        def decline(kind, value: str) -> str:
            value = value.strip()
            if not value or _is_initial(value) or (kind == part.MIDDLENAME and _TURKIC_PATRONYMIC.search(value)):
                return value
            return maker.make(kind, genders[gender], cases[case], value, known_gender=known)

        return Person(decline(part.LASTNAME, self.last_name), decline(part.FIRSTNAME, self.first_name),
                      decline(part.MIDDLENAME, self.patronymic), self.gender)

    @property
    def full(self) -> str:
        return " ".join(p.strip() for p in (self.last_name, self.first_name, self.patronymic) if p and p.strip())

    @property
    def short(self) -> str:
        """«Лебедева Е. В.»: in the text of a document."""
        return " ".join(p for p in (self.last_name.strip(), initials(self.first_name, self.patronymic)) if p)

    @property
    def signature(self) -> str:
        """«Е. В. Лебедева»: under a signature (GOST R 7.0.97-2016, the «Подпись» requisite)."""
        return " ".join(p for p in (initials(self.first_name, self.patronymic), self.last_name.strip()) if p)

    @property
    def in_filename(self) -> str:
        """«Лебедева_ЕВ»: the same initials in a downloaded file's name, without spaces or full stops."""
        letters = initials(self.first_name, self.patronymic).replace(".", "").replace(" ", "")
        return "_".join(p for p in (self.last_name.strip(), letters) if p)


STYLES = ("full", "short", "sign")


def person_in(value, case: str = "nomn", style: str = "full") -> str:
    person = Person.of(value).inflected(case)
    return {"short": person.short, "sign": person.signature}.get(style, person.full)


def by_gender(value, masculine: str, feminine: str) -> str:
    """The verb in the past tense that agrees with a person: «подготовила» for Лебедева Елена Викторовна,
    «подготовил» for a man, «подготовил(а)» when the name does not tell."""
    gender = Person.of(value).resolved_gender
    return feminine if gender == FEMALE else masculine if gender == MALE else f"{masculine}(а)"


def agree(word: str, gender: str, case: str = "nomn") -> str:
    """An adjective or participle that agrees with a person: «наставляемый» → «наставляемая» for a woman."""
    morph = _morph()
    parse = next((p for p in morph.parse(word.lower()) if p.tag.POS in ("ADJF", "PRTF") and "nomn" in p.tag), None)
    if parse is None:
        return word
    grammemes = {case, "sing", "femn" if gender == FEMALE else "masc"}
    if case == "accs" and gender != FEMALE:
        grammemes.add("anim")
    inflected = parse.inflect(grammemes)
    return _same_case(word, inflected.word) if inflected else word


# --- phrases: organisations and positions -----------------------------------------------------------------


@functools.cache
def _morph():
    import pymorphy3

    # Loading the dictionaries is logged at INFO, which the project's root logger would print.
    logger = logging.getLogger("pymorphy3")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)
    return pymorphy3.MorphAnalyzer()


_TOKENS = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*\.?|\s+|\S")
# Where the declining part of a phrase ends for sure: a quoted name, a number, brackets.
_STOPPERS = set("«»\"„“”(№0123456789,;:")
_SEGMENTS = re.compile(r"(,\s+)")
_LOCATIVE_IN = {"сад"}


def _same_case(original: str, new: str) -> str:
    if original.isupper() and len(original) > 1:
        return new.upper()
    if original[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


def _nominative(word: str, kinds: tuple[str, ...]):
    """The most probable singular nominative analysis of one of the parts of speech ``kinds``."""
    for parse in _morph().parse(word.lower()):
        if parse.tag.POS in kinds and {"nomn", "sing"} <= parse.tag.grammemes:
            return parse
    return None


def _is_abbreviation(word: str) -> bool:
    return word.endswith(".") or (len(word) > 1 and word.isupper())


def _head(words: list[str]):
    """(index of the head, its analysis, the analyses of the modifiers before it), or None.

    A word that may be an adjective is a modifier when the next word can be the noun it agrees with
    («старший методист»); otherwise it is the head itself («заведующий библиотекой»).
    """
    modifiers = []
    for index, word in enumerate(words):
        if _is_abbreviation(word):
            return None
        adjective = _nominative(word, ("ADJF", "PRTF"))
        noun = _nominative(word, ("NOUN",))
        following = words[index + 1] if index + 1 < len(words) else ""
        next_agrees = bool(following) and not _is_abbreviation(following) and (
            _nominative(following, ("NOUN", "ADJF", "PRTF")) is not None)
        if adjective is not None and next_agrees:
            modifiers.append(adjective)
            continue
        if noun is not None:
            return index, noun, modifiers
        if adjective is not None:
            return index, adjective, modifiers  # a substantivised adjective: «заведующий», «ответственный»
        return None
    return None


def _inflect_segment(text: str, case: str) -> str:
    tokens = _TOKENS.findall(text)
    words, positions = [], []
    for position, token in enumerate(tokens):
        if token.isspace():
            continue
        if token[0] in _STOPPERS or not token[0].isalpha():
            break
        words.append(token)
        positions.append(position)
    found = _head(words)
    if found is None:
        return text
    index, head, modifiers = found
    # Documents use the prepositional after «в»: «в детском саду», not «в детском саде» (but «в Доме …»).
    locative = case == "loct" and head.normal_form in _LOCATIVE_IN
    declined = head.inflect({"loc2" if locative else case})
    if declined is None:
        return text
    tag = head.tag
    animacy = "anim" if "anim" in tag.grammemes or tag.POS != "NOUN" else "inan"
    agreement = {case, "sing", tag.gender or "masc"}
    if case == "accs" and (tag.gender or "masc") == "masc":
        agreement.add(animacy)
    out = list(tokens)
    for position, word, parse in zip(positions, words, modifiers, strict=False):
        form = parse.inflect(agreement)
        if form is None:
            return text
        out[position] = _same_case(word, form.word)
    out[positions[index]] = _same_case(words[index], declined.word)
    return "".join(out)


def phrase_in(text: str, case: str, *, lower: bool = False) -> str:
    """An organisation's name or a position in ``case``; ``lower`` makes a role lowercase mid-sentence.

    «Муниципальное бюджетное учреждение «Центр …» Селивановского района» → (loct) «Муниципальном
    бюджетном учреждении «Центр …» Селивановского района»; «Заместитель директора по УВР» → (accs,
    lower) «заместителя директора по УВР». Anything the analyser cannot place is left as typed.
    """
    text = _SPACES.sub(" ", (text or "").strip())
    if not text:
        return ""
    if case in CASES[1:]:
        if lower:
            # A position may list several roles: «учитель математики, классный руководитель».
            text = "".join(part if _SEGMENTS.fullmatch(part) else _inflect_segment(part, case)
                           for part in _SEGMENTS.split(text))
        else:
            text = _inflect_segment(text, case)
    return lower_first(text) if lower else text


def lower_first(text: str) -> str:
    """«Учитель математики» → «учитель математики» after a name; «ГБПОУ …», «МБОУ …» stay as they are."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def phrase_forms(text: str) -> dict[str, str]:
    """The forms an organisation stores, one per case of ``STORED_CASES``."""
    return {case: phrase_in(text, case) for case in STORED_CASES}


def inflect(value, case: str = "nomn", style: str = "full") -> str:
    """What the ``case`` template filter prints for ``value`` in ``case``.

    An object with ``name_in(case, style)`` (an organisation; ``short`` — its short name) answers itself; a person
    (Participant, User, Person) declines by pytrovich in the ``style`` full / short / sign; a plain
    string is a position and comes out lowercase.
    """
    if value is None or value == "":
        return ""
    if case not in CASES:
        case = "nomn"
    if hasattr(value, "name_in"):
        return value.name_in(case, style)
    if isinstance(value, str):
        return phrase_in(value, case, lower=True)
    # A user without a name on record is still somebody: the login, as the menu bar shows it.
    return person_in(value, case, style) or str(getattr(value, "display_name", "") or "")


# --- places and dates of documents --------------------------------------------------------------------

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                   "октября", "ноября", "декабря")
# «г. Владимир», «п. Красная Горбатка», «пос. …», «с. Новлянка», «д. …», «пгт …», «рп …» in an address.
_LOCALITY = re.compile(r"(?:^|,)\s*((?:г|гор|п|пос|пгт|рп|с|д|ст|х|аул|сл)\.?\s+[А-ЯЁ][^,]*)")


def locality_from_address(address: str) -> str:
    """The settlement an address names: «602332, …, п. Красная Горбатка, ул. Школьная, д. 2» → «п. Красная Горбатка»."""
    match = _LOCALITY.search(address or "")
    return match[1].strip() if match else ""


def date_words(day) -> str:
    """«24 августа 2020 г.»: the date line of an order."""
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


def reference(day, number: str) -> str:
    """«от 01.09.2025 № 45-о»: how a document is cited (GOST R 7.0.97-2016, as the seeds write it)."""
    parts = [f"от {day:%d.%m.%Y}" if day else "", f"№ {number}" if number else ""]
    return " ".join(part for part in parts if part)
