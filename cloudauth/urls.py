from __future__ import annotations

from django.urls import path

from cloudauth import views

app_name = "cloudauth"

urlpatterns = [
    path("entrar/nuvem/", views.start, name="start"),
    path("entrar/nuvem/retorno/", views.callback, name="callback"),
    path("entrar/nuvem/<str:public_id>/", views.choose, name="choose"),
    path("entrar/nuvem/<str:public_id>/aguardando/", views.waiting, name="waiting"),
]
