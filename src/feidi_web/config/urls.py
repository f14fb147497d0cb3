from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from feidi_web.accounts import views as accounts_views
from feidi_web.api.api import api
from feidi_web.common import views as common_views

urlpatterns = [
    path("", common_views.home, name="home"),
    path("healthz", common_views.healthz, name="healthz"),
    path("favicon.ico", common_views.favicon, name="favicon"),
    # the language switch (name "set_language", as Django's), remembered on the account
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("feidi_web.accounts.urls")),
    path("enterprises/", include("feidi_web.enterprises.urls")),
    path("enterprises/", include("feidi_web.registry.urls")),
    path("evaluations/", include("feidi_web.evaluations.urls")),
    path("pool/", include("feidi_web.pool.urls")),
    path("cockpit/", include("feidi_web.dashboards.urls")),
    path("portal/", include("feidi_web.portal.urls")),
    path("pipeline/", include("feidi_web.pipeline.urls")),
    path("chains/", include("feidi_web.chains.urls")),
    path("opportunities/", include("feidi_web.opportunities.urls")),
    path("cultivation/", include("feidi_web.cultivation.urls")),
    path("space/", include("feidi_web.space.urls")),
    path("policies/", include("feidi_web.policies.urls")),
    path("inbox/", include("feidi_web.inbox.urls")),
    path("matchmaking/", include("feidi_web.matchmaking.urls")),
    path("events/", include("feidi_web.events.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

# 403, 404 and 500 are Django's own views with the site's 403.html, 404.html and 500.html
handler400 = common_views.bad_request
