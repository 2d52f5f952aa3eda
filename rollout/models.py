"""Superintendências (regional offices of Anexo I). Waves and overrides come with the schedule."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import models


class Superintendencia(models.Model):
    code = models.SlugField("código", max_length=40, unique=True)
    name = models.CharField("nome", max_length=80, unique=True)
    ufs = models.JSONField("UFs", default=list)
    #: Staff of this regional office see (read-only) only its entities.
    consulta_group = models.OneToOneField(
        Group,
        verbose_name="grupo de consulta",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="superintendencia",
    )

    class Meta:
        verbose_name = "superintendência"
        verbose_name_plural = "superintendências"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"Superintendência {self.name}"
