from __future__ import annotations

from django.urls import path

from support import views

app_name = "support"
urlpatterns = [
    path("suporte/consulta/", views.lookup_form, name="lookup"),
    path("suporte/consulta/<str:reference>/", views.lookup_result, name="lookup_result"),
]
