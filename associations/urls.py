from __future__ import annotations

from django.urls import path

from associations import views

app_name = "associations"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.status, name="status"),
    path("<str:code>/sem-a3.csv", views.pending_export, name="pending_export"),
]
