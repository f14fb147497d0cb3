from django import forms
from django.utils.translation import gettext_lazy as _

from feidi.schema import FIELDS


class RegistrySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, pinyin initials or credit code"), required=False, max_length=100
    )
    industry = forms.CharField(label=_("Industry code"), required=False, max_length=5)
    town = forms.CharField(label=_("Town"), required=False, max_length=100)
    #: A tier id of the latest evaluation's rulebook, or "none"; the page offers that ladder.
    tier = forms.RegexField(
        label=_("Tier passed (latest evaluation)"), required=False, regex=r"^[a-z_]{1,40}$"
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
    """One field per canonical year figure; empty means unknown. ``version`` is the stored
    year's version when the form was opened (0: no figures yet), so a save can tell whether
    someone else saved in between."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, initial_figures=None, initial_version=0, lang="zh", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = initial_version
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

    def figure_rows(self):
        """(field, the value the editor's page showed) for each figure: the second is sent
        back as ``seen-<field>`` so that, after a conflict, the editor's own edits can be
        told from values that were merely on the page."""
        for field in self.visible_fields():
            if self.is_bound and f"seen-{field.name}" in self.data:
                seen = self.data.get(f"seen-{field.name}")
            else:
                seen = field.initial
            yield field, "" if seen is None else seen

    def figure_changes(self, stored: dict) -> dict:
        """The figures this save changes compared with ``stored`` (None = unknown)."""
        out = {}
        for name, value in self.cleaned_data.items():
            if name == "version":
                continue
            number = float(value) if value is not None else None
            if number != stored.get(name):
                out[name] = number
        return out
