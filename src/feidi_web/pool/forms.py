"""The pool's filter form: GET parameters → ``PoolFilter``. A bad value falls back to its default."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from feidi_web.pool.selectors import DEFAULT_TIER, PoolFilter

#: Presets offered next to the free "within N points" box.
GAP_PRESETS = (1, 3, 5, 10, 15, 20)


class PoolFilterForm(forms.Form):
    # a tier id of the pool's rulebook (the page offers its ladder); checked against it there
    tier = forms.RegexField(label=_("Target tier"), required=False, regex=r"^[a-z_]{1,40}$")
    gap = forms.DecimalField(
        label=_("Within N points of the pass mark"),
        required=False,
        min_value=0,
        max_value=1000,
        decimal_places=2,
    )
    include_no_gap = forms.BooleanField(
        label=_("Include firms failing only on conditions or with an unknown score"),
        required=False,
    )
    town = forms.CharField(label=_("Town"), required=False, max_length=100)
    industry = forms.CharField(label=_("Industry code starts with"), required=False, max_length=5)
    enclave = forms.ChoiceField(
        label=_("Enclave firms"),
        required=False,
        choices=[("", _("All firms")), ("yes", _("Enclave only")), ("no", _("Local only"))],
    )
    passes_lower = forms.BooleanField(label=_("Already passes the tier below"), required=False)
    run = forms.IntegerField(label=_("Evaluation"), required=False, min_value=1)
    rulebook = forms.CharField(label=_("Rulebook"), required=False, max_length=40)

    def _clean(self) -> dict[str, Any]:
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def filters(self) -> PoolFilter:
        """The valid parts of the query; an invalid field counts as not given."""
        d = self._clean()
        gap = d.get("gap")
        enclave = {"yes": True, "no": False}.get(d.get("enclave") or "")
        return PoolFilter(
            tier=d.get("tier") or DEFAULT_TIER,
            gap_max=float(gap) if gap is not None else None,
            include_no_gap=bool(d.get("include_no_gap")),
            town=(d.get("town") or "").strip(),
            industry=(d.get("industry") or "").strip().upper(),
            enclave=enclave,
            passes_lower=bool(d.get("passes_lower")),
        )

    def chosen_run_id(self) -> int | None:
        return self._clean().get("run")

    def chosen_rulebook(self) -> str:
        return (self._clean().get("rulebook") or "").strip()
