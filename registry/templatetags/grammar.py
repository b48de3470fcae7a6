"""``{{ value|case:"gent" }}``: the one way a document puts a name into a sentence (registry.grammar).

The argument is a case (nomn, gent, datv, accs, ablt, loct) and, for a person, a style after a space:
``full`` (default) «Лебедевой Елены Викторовны», ``short`` «Лебедевой Е. В.», ``sign`` «Е. В. Лебедева».

    даю согласие {{ organisation|case:"datv" }}
    в лице директора {{ organisation.director|case:"gent short" }}
    назначить {{ assignment.position|case:"accs" }} {{ user|case:"accs short" }}
"""

from django import template

from registry import grammar
from registry.quotes import quoted
from registry.typography import tie

register = template.Library()


@register.filter(name="case")
def case_filter(value, argument: str = "nomn") -> str:
    words = str(argument or "").replace(",", " ").split()
    case = next((word for word in words if word in grammar.CASES), "nomn")
    style = next((word for word in words if word in grammar.STYLES), "full")
    return grammar.inflect(value, case, style)


@register.filter(name="gendered")
def gendered_filter(value, forms: str) -> str:
    """``{{ user|gendered:"подготовил,подготовила" }}``: the form that agrees with the person."""
    masculine, _, feminine = str(forms).partition(",")
    return grammar.by_gender(value, masculine.strip(), feminine.strip())


@register.filter(name="quoted")
def quoted_filter(value) -> str:
    """``{{ roadmap.title|quoted }}``: «title», unless the title opens with a quote already (registry.quotes)."""
    return quoted(value)


@register.filter(name="tie", is_safe=True)
def tie_filter(value) -> str:
    """``{{ organisation.address|tie }}``: non-breaking spaces in a printed text (registry.typography)."""
    return tie(str(value)) if value not in (None, "") else value
