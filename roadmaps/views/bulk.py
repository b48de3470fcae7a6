"""Several occurrences of a roadmap marked done at once (``roadmaps.bulk``).

The roadmap's page sends the ticked occurrences here (a GET: nothing is written); this page shows them
with one date and one confirmation for all, and its POST marks them.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.forms import CrispyMixin
from registry.listing import id_param
from registry.scoping import Perm, get_visible_or_404, requires
from roadmaps import bulk
from roadmaps.exports import decorate
from roadmaps.models import Roadmap

MAX_SELECTED = 200


class DoneForm(CrispyMixin, forms.Form):
    done_on = forms.DateField(label=gettext_lazy("Дата выполнения"), initial=timezone.localdate)
    evidence = forms.CharField(label=gettext_lazy("Чем подтверждается выполнение"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=gettext_lazy("Одно подтверждение для всех выбранных сроков, например "
                                                      "«протокол педсовета № 2». Можно не заполнять только для "
                                                      "сроков с приложенными файлами."))

    def clean_done_on(self):
        done_on = self.cleaned_data["done_on"]
        if done_on > timezone.localdate():
            raise forms.ValidationError(_("Дата выполнения не может быть в будущем."))
        return done_on


@requires(Perm.REPORT_PROGRESS)
def occurrences_done(request, pk):
    roadmap = get_visible_or_404(Roadmap.objects.select_related("organisation__municipality", "municipality",
                                                                "academic_year"), request, pk=pk)
    source = request.POST if request.method == "POST" else request.GET
    ids = list(dict.fromkeys(i for i in map(id_param, source.getlist("occurrence")) if i is not None))[:MAX_SELECTED]
    occurrences = list(bulk.selected(roadmap, ids))
    if not occurrences:
        messages.error(request, _("Отметьте сроки, которые выполнены."))
        return redirect(roadmap)
    form = DoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = bulk.mark_done(occurrences, done_on=form.cleaned_data["done_on"],
                                 evidence=form.cleaned_data["evidence"], by=request.user)
        if outcome.done:
            messages.success(request, _("Отмечено выполненными: %(count)s.") % {"count": len(outcome.done)})
        if outcome.already:
            messages.info(request, _("Уже были выполнены: %(count)s.") % {"count": len(outcome.already)})
        for occurrence, reasons in outcome.failed:
            messages.error(request, _("%(row)s: %(reasons)s") % {"row": bulk.label(occurrence),
                                                                 "reasons": " ".join(reasons)})
        return redirect(roadmap)
    today = timezone.localdate()
    return render(request, "roadmaps/occurrences_done.html", {
        "roadmap": roadmap, "form": form, "occurrences": [decorate(o, today) for o in occurrences],
    })
