"""A title put into a sentence in «ёлочки», without nesting or doubling the quotes.

«Программа «…»» and «««Дорожная карта» реализации…»» read as mistakes: a title that already opens
with a quote (a quoted name, or one whose first words are quoted, as the seeds' «Дорожная карта»
реализации…) is printed as it is; any other is quoted once.
"""

OPENING_QUOTES = "«„“\""


def quoted(title) -> str:
    title = str(title or "").strip()
    if not title or title[0] in OPENING_QUOTES:
        return title
    return f"«{title}»"
