from django import forms
from django.utils.translation import gettext_lazy as _

from feidi.parties import PartyKind
from feidi.schema import FIELDS, FIELDS_BY_NAME


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


class PartyForm(forms.Form):
    """Register a party by hand; the service checks everything again (code, duplicates,
    scope). Kinds are offered in the page's language."""

    name = forms.CharField(label=_("Name"), max_length=FIELDS_BY_NAME["name"].max_chars)
    kind = forms.ChoiceField(label=_("Kind"))
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        required=False,
        max_length=18,
        help_text=_("Leave empty for a prospect, start-up, lab or investor that has none yet."),
    )
    town = forms.CharField(
        label=_("Town"), required=False, max_length=FIELDS_BY_NAME["town"].max_chars
    )
    industry_code = forms.CharField(
        label=_("Industry code (GB/T 4754)"), required=False, max_length=5
    )
    jurisdiction_code = forms.RegexField(
        label=_("Division code the party belongs to"),
        regex=r"^[0-9]{6}$",
        required=False,
        help_text=_("County staff register into their own division; administrators choose."),
    )

    def __init__(self, *args, lang: str = "zh", **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [(k.value, k.label(lang)) for k in PartyKind]
        self.fields["kind"].initial = PartyKind.ENTERPRISE.value


class CreditCodeForm(forms.Form):
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18)
