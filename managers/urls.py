from __future__ import annotations

from django.urls import path

from managers import views

app_name = "managers"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.members, name="members"),
    path("<str:code>/incluir/", views.add, name="add"),
    path("<str:code>/planilha/", views.bulk, name="bulk"),
    path("<str:code>/membros/<int:member_id>/desativar/", views.deactivate, name="deactivate"),
    path("<str:code>/membros/<int:member_id>/reativar/", views.reactivate, name="reactivate"),
    path("<str:code>/membros/<int:member_id>/lembrete/", views.remind, name="remind"),
]
