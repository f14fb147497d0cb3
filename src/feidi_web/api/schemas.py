"""What the API accepts and returns. Field descriptions end up in ``/api/openapi.json``."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from ninja import Field, Schema
from pydantic import ConfigDict, Strict, create_model

from feidi.schema import FIELDS
from feidi_web.common.lang import reason_pair, stored_pair

Verdict = Literal["pass", "fail", "unknown"]
RunStatus = Literal["queued", "running", "done", "failed", "cancelled"]
ImportStatus = Literal["rejected", "preview", "committed"]


class ErrorOut(Schema):
    detail: str | list[Any] = Field(
        description="What went wrong: a message, or a list of messages (422: every reason a "
        "value was refused; for malformed requests, objects with `loc` and `msg`)."
    )


def errors(*codes: int) -> dict[int, type[Schema]]:
    """The error answers an operation documents: always 400 (a body that is not JSON), 401
    (no or a refused token) and 422 (a malformed parameter or body), plus ``codes``."""
    return dict.fromkeys(sorted({400, 401, 422, *codes}), ErrorOut)


# --- registry ------------------------------------------------------------------------------


#: Printable text: no control characters (PostgreSQL cannot hold NUL; none belongs in a search).
_TEXT = r"^[^\x00-\x1f\x7f]*$"


class RegistryQuery(Schema):
    q: str = Field(
        "",
        max_length=100,
        pattern=_TEXT,
        description="Search: part of the name (汉字), 拼音首字母 (e.g. `ysrx`), or a credit "
        "code or its start.",
    )
    industry: str = Field(
        "",
        pattern=r"^[A-Za-z0-9]{0,5}$",
        description="GB/T 4754 industry code prefix: `C`, `C32`, `C3240`.",
    )
    town: str = Field(
        "", max_length=100, pattern=_TEXT, description="Town or subdistrict (所属镇(街道)), exact."
    )
    region: str = Field(
        "", pattern=r"^([0-9]{6})?$", description="Registered six-digit division code, exact."
    )
    enclave: bool | None = Field(
        None, description="`true`: only enclave (飞地) firms; `false`: only local firms."
    )


class EnterpriseOut(Schema):
    ref: str = Field(
        description="How to name the party in URLs: its credit code, or `p<id>` for a party "
        "registered without one (a prospect, start-up, lab or investor)."
    )
    kind: str = Field(description="enterprise, prospect, startup, lab, investor or other.")
    credit_code: str | None = Field(
        description="统一社会信用代码 (18 characters); null for a party without one yet."
    )
    name: str = Field(description="企业名称.")
    region_code: str = Field(description="Division the firm is registered in (6 digits).")
    jurisdiction_code: str = Field(
        description="County responsible for the firm (for an enclave firm, its home county)."
    )
    town: str = Field(description="Town or subdistrict; empty when unknown.")
    industry_code: str = Field(description="GB/T 4754-2017 industry code; empty when unknown.")
    enclave: bool = Field(description="Whether this is an enclave (飞地) firm.")


class FiscalYearOut(Schema):
    year: int = Field(description="Fiscal year.")
    version: int = Field(
        description="Goes up with every change; send it as `If-Match` when changing the year."
    )
    figures: dict[str, Any] = Field(
        description="Figures by canonical field name (`revenue`, `rd_expense`, `employees` …; "
        "money in 万元); `null` = unknown."
    )


class EnterpriseDetailOut(EnterpriseOut):
    profile: dict[str, Any] = Field(
        description="The firm's normalised profile by canonical field name (titles, honours, "
        'IP counts …); `null` = unknown, `"none"` = explicitly none (ranks).'
    )
    years: list[FiscalYearOut] = Field(description="Fiscal-year figures, oldest first.")
    updated_at: datetime = Field(description="When the firm's record last changed.")


class EnterpriseEvaluationOut(Schema):
    run_id: int = Field(description="The evaluation run this record belongs to.")
    rulebook: str = Field(alias="run.rulebook", description="Rulebook the run applied.")
    as_of: date = Field(alias="run.as_of", description="As-of date of the run.")
    tier: str = Field(description="Tier graded: `innovative`, `specialized`, `little_giant`.")
    verdict: Verdict = Field(description="`pass`, `fail`, or `unknown` (figures missing).")
    score: float | None = Field(description="Points scored, where the tier scores points.")
    pass_mark: float | None = Field(description="Points needed to pass, where applicable.")
    gap: float | None = Field(description="pass_mark − score when the firm falls short, else null.")
    record: dict[str, Any] = Field(
        description="The core's full record: indicators, conditions, missing inputs, path, "
        "warnings."
    )


def _year_changes_model() -> type[Schema]:
    """One optional number per fiscal-year field of ``feidi.schema`` (the single field list)."""

    class _Strict(Schema):
        model_config = ConfigDict(extra="forbid")

    fields: dict[str, Any] = {
        f.name: (
            # strict: JSON `false` or `"12"` is not a number; finite: no NaN or Infinity
            Annotated[float, Strict(), Field(allow_inf_nan=False)] | None,
            Field(None, description=f"{f.zh} / {f.en}. `null` clears the value."),
        )
        for f in FIELDS
        if f.scope == "year"
    }
    return create_model("FiscalYearChanges", __base__=_Strict, **fields)


if TYPE_CHECKING:
    # made at run time by create_model: to the type checker, a Schema of fields it cannot see
    FiscalYearChanges: TypeAlias = Schema
else:
    FiscalYearChanges = _year_changes_model()
FiscalYearChanges.__doc__ = (
    "The figures to change; fields left out stay as they are. Every value is checked by the "
    "same rules as an imported file."
)


# --- evaluations ---------------------------------------------------------------------------


class RunIn(Schema):
    rulebook: str = Field(
        max_length=40, pattern=r"^[a-z0-9-]+$", description="Rulebook id, e.g. `miit-2022`."
    )
    as_of: date = Field(description="Grade as of this date (YYYY-MM-DD), 2000-01-01 … 2100-12-31.")


class Message(Schema):
    zh: str = Field(description="简体中文.")
    en: str = Field(description="English.")


class RunOut(Schema):
    id: int = Field(description="Run id.")
    rulebook: str = Field(description="Rulebook applied.")
    as_of: date = Field(description="As-of date.")
    jurisdiction_code: str = Field(
        description="Division graded; empty = the whole registry (an administrator's run)."
    )
    status: RunStatus = Field(description="`queued`, `running`, `done`, `failed` or `cancelled`.")
    stale: bool = Field(
        alias="is_stale",
        description="Running, but its worker stopped answering: retry or cancel it.",
    )
    firms_done: int = Field(description="Firms graded so far.")
    firms_total: int = Field(description="Firms the run grades (known once it starts).")
    percent: int = Field(description="Progress, 0–100.")
    warnings: list[Message] = Field(
        description="What a reader of the results must know (the as-of date lies outside the "
        "rulebook's period in force …), in both languages."
    )
    error: str = Field(description="Why the run failed; empty unless `failed`.")
    created_at: datetime = Field(description="When the run was asked for.")
    started_at: datetime | None = Field(description="When grading started.")
    finished_at: datetime | None = Field(description="When the run ended.")

    @staticmethod
    def resolve_warnings(obj: Any) -> list[dict[str, str]]:
        return [dict(zip(("zh", "en"), stored_pair(w), strict=True)) for w in obj.warnings or ()]


class RecordQuery(Schema):
    tier: str = Field(
        "",
        max_length=40,
        pattern=r"^[a-z_]*$",
        description="Only this tier (`innovative`, `specialized`, …).",
    )
    verdict: Verdict | None = Field(None, description="Only this verdict.")


class RecordOut(Schema):
    credit_code: str = Field(alias="enterprise.credit_code", description="统一社会信用代码.")
    name: str = Field(alias="enterprise.name", description="企业名称.")
    tier: str = Field(description="Tier graded.")
    verdict: Verdict = Field(description="`pass`, `fail`, or `unknown` (figures missing).")
    score: float | None = Field(description="Points scored, where the tier scores points.")
    pass_mark: float | None = Field(description="Points needed to pass, where applicable.")
    gap: float | None = Field(description="pass_mark − score when the firm falls short, else null.")
    record: dict[str, Any] = Field(description="The core's full record for this firm × tier.")


# --- imports -------------------------------------------------------------------------------


class ImportIssueOut(Schema):
    severity: Literal["error", "warning"] = Field(
        description="`error` refuses the file; `warning` does not."
    )
    row: int | None = Field(description="Row number as the spreadsheet shows it (header = 1).")
    column: str | None = Field(description="Column header as written in the file.")
    value: str | None = Field(description="The offending cell value.")
    reason: str = Field(description="Why the value was refused or flagged, in 简体中文.")
    reason_en: str = Field(description="The same reason in English.")
    code: str = Field(description="Machine-readable issue code.")


class ImportOut(Schema):
    id: int = Field(description="Import id.")
    file_name: str = Field(description="Name of the uploaded file.")
    jurisdiction_code: str = Field(description="Division the imported firms belong to.")
    status: ImportStatus = Field(
        description="`rejected` (see `issues`), `preview` (checked; commit to write it) or "
        "`committed`."
    )
    summary: dict[str, Any] = Field(
        description="What committing changes / changed: `firms_new`, `firms_updated`, "
        "`years_new`, `cells_changed`, `fields` …"
    )
    rows: int | None = Field(description="Data rows read from the file.")
    firms: int | None = Field(description="Distinct firms in the file.")
    issues: list[ImportIssueOut] = Field(
        description="Every problem found, with row, column, value and reason."
    )
    truncated: dict[str, int] = Field(
        description="Issues not listed, by code (each code lists at most 1000)."
    )
    created_at: datetime = Field(description="When the file was uploaded.")
    committed_at: datetime | None = Field(description="When it was committed.")

    @staticmethod
    def resolve_rows(obj: Any) -> int | None:
        return obj.report.get("rows")

    @staticmethod
    def resolve_firms(obj: Any) -> int | None:
        return obj.report.get("firms")

    @staticmethod
    def resolve_issues(obj: Any) -> list[dict[str, Any]]:
        return [
            {**issue, **dict(zip(("reason", "reason_en"), reason_pair(issue), strict=True))}
            for issue in obj.report.get("issues", [])
        ]

    @staticmethod
    def resolve_truncated(obj: Any) -> dict[str, int]:
        return obj.report.get("truncated", {})


# --- pipeline ------------------------------------------------------------------------------

ProjectStage = Literal["lead", "contacted", "negotiating", "signed", "landed", "lost"]
ProjectSource = Literal["enclave", "event", "referral", "matchmaking", "visit", "other"]
LostReasonCode = Literal["elsewhere", "no_fit", "funding", "space", "terms", "paused", "other"]


class ProjectQuery(Schema):
    q: str = Field(
        "",
        max_length=100,
        pattern=_TEXT,
        description="Part of the project's or counterpart's name.",
    )
    stage: ProjectStage | None = Field(None, description="Only projects at this stage.")
    source: ProjectSource | None = Field(None, description="Only projects from this source.")


class StageChangeOut(Schema):
    from_stage: str = Field(description="The stage before (empty for the first row).")
    stage: ProjectStage = Field(description="The stage moved to.")
    at: datetime = Field(description="When.")
    note: str = Field(description="What the mover noted.")


class ProjectOut(Schema):
    id: int = Field(description="Project id.")
    name: str = Field(description="Project name.")
    counterpart: str = Field(description="Who the project is with.")
    counterpart_kind: str = Field(
        description="enterprise, prospect, startup, lab, investor or other."
    )
    stage: ProjectStage = Field(description="Current stage.")
    source: ProjectSource = Field(description="Where the project came from.")
    lost_reason: str = Field(description="Why it was lost (empty unless lost).")
    industry_code: str = Field(description="GB/T 4754 industry code, if known.")
    planned_investment: float | None = Field(description="Planned investment, 10k CNY.")
    valuation: float | None = Field(description="Valuation, 10k CNY.")
    jurisdiction_code: str = Field(description="The division whose office works it.")
    owner: str = Field(description="User name of the owner.")
    landed_credit_code: str | None = Field(
        description="Credit code of the registry firm it landed as."
    )
    version: int = Field(description="Send as If-Match when moving the project.")
    created_at: datetime = Field(description="When it was filed.")
    touched_at: datetime = Field(description="Last activity.")

    @staticmethod
    def resolve_counterpart(obj: Any) -> str:
        return str(obj.counterpart.name)

    @staticmethod
    def resolve_counterpart_kind(obj: Any) -> str:
        return str(obj.counterpart.kind)

    @staticmethod
    def resolve_owner(obj: Any) -> str:
        return str(obj.owner.username)

    @staticmethod
    def resolve_landed_credit_code(obj: Any) -> str | None:
        return obj.landed_firm.credit_code if obj.landed_firm_id else None

    @staticmethod
    def resolve_planned_investment(obj: Any) -> float | None:
        return float(obj.planned_investment) if obj.planned_investment is not None else None

    @staticmethod
    def resolve_valuation(obj: Any) -> float | None:
        return float(obj.valuation) if obj.valuation is not None else None


class ProjectDetailOut(ProjectOut):
    history: list[StageChangeOut] = Field(description="Every stage change, oldest first.")

    @staticmethod
    def resolve_history(obj: Any) -> list[Any]:
        return list(obj.history.all())


class ProjectMoveIn(Schema):
    to: ProjectStage = Field(description="The stage to move to.")
    note: str = Field("", max_length=500, pattern=_TEXT, description="A note on the move.")
    lost_reason: LostReasonCode | None = Field(None, description="Required when moving to lost.")
    landed_credit_code: str = Field(
        "",
        max_length=18,
        pattern=_TEXT,
        description="Moving to landed: the credit code of the registry firm it landed as.",
    )
    landed_firm_name: str = Field(
        "",
        max_length=200,
        pattern=_TEXT,
        description="Moving to landed as a new local firm: its name.",
    )


class FunnelQuery(Schema):
    # an ISO date as text: pydantic would also take "0" as a timestamp for a date
    since: str | None = Field(
        None,
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        description="Only projects filed on or after this date (YYYY-MM-DD).",
    )
    source: ProjectSource | None = Field(None, description="Only projects from this source.")


class TotalsOut(Schema):
    projects: int
    introduced: int = Field(description="Projects that reached signed (引进).")
    negotiating: int = Field(description="Projects negotiating now (正在洽谈).")
    landed: int = Field(description="Projects that landed (落地).")
    lost: int
    valuation: float = Field(description="Valuation of the projects introduced, 10k CNY.")


class MonthOut(Schema):
    month: str
    new: int
    introduced: int
    landed: int
    lost: int
    negotiating_at_end: int
    valuation_introduced: float


class FunnelOut(Schema):
    totals: TotalsOut
    reached: dict[str, int] = Field(description="Per stage, the projects that reached it.")
    conversion: dict[str, float | None] = Field(
        description="Per stage, the share that went on to the next."
    )
    median_days: dict[str, float | None] = Field(
        description="Per stage, the median days spent in it."
    )
    lost_by_reason: dict[str, int]
    months: list[MonthOut] = Field(description="The last 18 months.")
    by_source: dict[str, TotalsOut]


# --- matchmaking ---------------------------------------------------------------------------

ProfileTypeCode = Literal[
    "tech_offer", "rd_team", "startup", "tech_request", "scenario", "capacity"
]


class ProfileQuery(Schema):
    side: Literal["supply", "demand"] | None = Field(None, description="Offers or requests.")
    status: Literal["submitted", "live", "rejected", "withdrawn"] | None = Field(None)


class ProfileOut(Schema):
    id: int
    party: str = Field(description="Who offers or asks.")
    side: str = Field(description="`supply` (an offer) or `demand` (a request).")
    type: str
    title: str
    description: str
    keywords: list[str]
    industry_code: str
    chain_node: str
    stage: str = Field(description="idea, prototype, pilot or mass_production; empty if not said.")
    status: str
    expires_on: date | None = Field(description="Live until this day unless renewed.")
    similar: list[int] = Field(description="Profiles that read almost the same (ids).")
    created_at: datetime

    @staticmethod
    def resolve_party(obj: Any) -> str:
        return str(obj.party.name)

    @staticmethod
    def resolve_keywords(obj: Any) -> list[str]:
        return list(obj.keyword_list)


class ProfileIn(Schema):
    type: ProfileTypeCode
    title: str = Field(max_length=200, pattern=_TEXT)
    description: str = Field(max_length=4000)
    keywords: str = Field("", max_length=300, pattern=_TEXT, description="Separated by `;`.")
    industry_code: str = Field("", max_length=5, pattern=_TEXT)
    stage: Literal["", "idea", "prototype", "pilot", "mass_production"] = ""
    contact: str = Field("", max_length=120, pattern=_TEXT)
    visibility: Literal["platform", "staff"] = "platform"
    party: str = Field(
        "",
        max_length=20,
        pattern=_TEXT,
        description="Brokers: the party's `ref` (credit code or `p<id>`); firm users post for their own firm.",
    )


class RecommendationOut(Schema):
    rank: int
    candidate: str = Field(
        description="`profile:<id>` or `firm:<id>` (a home firm of the registry)."
    )
    score: float
    reasons: list[dict[str, Any]] = Field(
        description="Each with `kind`, `points`, `zh`, `en` and `detail`."
    )


class RecommendationRunOut(Schema):
    profile: int
    created_at: datetime
    candidates: int = Field(description="How many were ranked.")
    params: dict[str, Any] = Field(description="The ranker's parameters: replay the run with them.")
    results: list[RecommendationOut]
