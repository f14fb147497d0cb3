from ninja import NinjaAPI

api = NinjaAPI(title="Feidi API", version="1", urls_namespace="api")
