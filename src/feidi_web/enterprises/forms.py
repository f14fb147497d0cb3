from django import forms
from django.utils.translation import gettext_lazy as _

from feidi.schema import FIELDS


class RegistrySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, pinyin initials or credit code"), required=False, max_length=100
    )
    industry = forms.CharField(label=_("Industry code"), required=False, max_length=5)
    town = forms.CharField(label=_("Town"), required=False, max_length=100)
    tier = forms.ChoiceField(
        label=_("Tier passed (latest evaluation)"),
        required=False,
        choices=[
            ("", "—"),
            ("innovative", _("Innovative SME")),
            ("specialized", _("Specialised SME")),
            ("little_giant", _("Little Giant")),
            ("none", _("None")),
        ],
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx, .csv, .parquet)"))
    jurisdiction_code = forms.RegexField(
        label=_("Division code the firms belong to"),
        regex=r"^[0-9]{6}$",
        required=False,
        help_text=_("County staff import into their own division; administrators choose."),
    )


class FiscalYearForm(forms.Form):
    """One field per canonical year figure; empty means unknown."""

    def __init__(self, *args, initial_figures=None, lang="zh", **kwargs):
        super().__init__(*args, **kwargs)
        for f in FIELDS:
            if f.scope != "year":
                continue
            value = (initial_figures or {}).get(f.name)
            self.fields[f.name] = forms.DecimalField(
                label=f.zh if lang == "zh" else f.en,
                required=False,
                initial=value,
                max_digits=20,
                decimal_places=6,
            )
