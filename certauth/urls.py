from __future__ import annotations

from django.urls import path

from certauth.views import CertificateLoginView

app_name = "certauth"

urlpatterns = [
    path("entrar/certificado/", CertificateLoginView.as_view(), name="login"),
]
