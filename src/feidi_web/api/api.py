"""The REST API, mounted at ``/api/``: schema at ``/api/openapi.json``, docs at ``/api/docs``.

Every operation needs a caller: a bearer token (``Authorization: Bearer fd_…``, made by
``python -m feidi_web api_token <username> --name <label>``) or a logged-in session (which
must send the CSRF token on unsafe methods). Each view makes one service or selector call;
scope and permissions are the services' (see ``api.errors`` for how refusals are answered).
"""

from ninja import NinjaAPI
from ninja.operation import Operation

from feidi_web.api import (
    chains,
    cultivation,
    enterprises,
    evaluations,
    imports,
    matchmaking,
    pipeline,
)
from feidi_web.api.auth import api_token_auth, session_auth
from feidi_web.api.errors import install_error_handlers


class FeidiAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """Operation ids are the view names (``enterprise_list``), for generated clients."""
        return operation.view_func.__name__


api = FeidiAPI(
    title="Feidi API",
    version="1",
    urls_namespace="api",
    description=(
        "飞地 Feidi — the enterprise registry, MIIT ladder evaluations "
        "(创新型中小企业 → 专精特新 → 小巨人) and imports of a county SME bureau.\n\n"
        "Authenticate with `Authorization: Bearer fd_…` (a key from "
        "`python -m feidi_web api_token <username> --name <label>`) or a logged-in session "
        "(send `X-CSRFToken` on unsafe methods). Every answer is limited to the caller's "
        "jurisdiction: a firm outside it is *not found* (404). Errors are JSON "
        '`{"detail": …}`.'
    ),
    auth=[api_token_auth, session_auth],
)
install_error_handlers(api)

api.add_router("/enterprises", enterprises.router)
api.add_router("/evaluations", evaluations.router)
api.add_router("/imports", imports.router)
api.add_router("/pipeline", pipeline.router)
api.add_router("/matchmaking", matchmaking.router)
api.add_router("/opportunities", "feidi_web.api.opportunities.router")
api.add_router("/chains", chains.router)
api.add_router("", cultivation.router)  # /diagnoses, /cases
api.add_router("", "feidi_web.api.space.router")  # /resources, /bookings
api.add_router("", "feidi_web.api.policies.router")  # /policies, /enterprises/{code}/policies
