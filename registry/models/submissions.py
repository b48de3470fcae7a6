"""The one-time tokens of the forms that create something (``registry.once``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmittedForm(models.Model):
    """A create form's token, claimed by its first POST: what that POST created and where it led.

    The unique ``token`` decides between two POSTs of the same form (a double click, a reload, a second
    tab): the second finds the row and is shown the first one's result instead of creating again. Rows
    older than ``registry.once.KEEP`` are removed on the user's next POST and by the daily task.
    """

    token = models.CharField(_("отметка формы"), max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("пользователь"))
    path = models.CharField(_("адрес формы"), max_length=500)
    result_url = models.CharField(_("адрес результата"), max_length=500, blank=True)
    # "app_label.Model:pk" of every row the first POST created (post_save), the first one first.
    created = models.JSONField(_("созданные записи"), default=list, blank=True)
    created_at = models.DateTimeField(_("когда"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("отправленная форма")
        verbose_name_plural = _("отправленные формы")
        indexes = [models.Index(fields=["user", "created_at"], name="submitted_form_user_time")]

    def __str__(self):
        return f"{self.path} → {self.result_url or '…'}"
