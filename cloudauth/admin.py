"""The PSC registry in the admin: the client secret is write-only (never rendered back, kept when left blank)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from cloudauth import sealing
from cloudauth.models import Provider


class ProviderForm(forms.ModelForm):  # type: ignore[type-arg]
    client_secret = forms.CharField(
        label="client_secret",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Nunca é exibido. Deixe em branco para manter o atual.",
    )

    class Meta:
        model = Provider
        fields = [
            "name",
            "slug",
            "adapter",
            "base_url",
            "path_prefix",
            "client_id",
            "client_secret",
            "enabled",
            "position",
        ]

    def clean_client_secret(self) -> str:
        """A new secret is sealed; a blank one keeps the stored (sealed) secret."""
        value: str = self.cleaned_data.get("client_secret", "")
        if value:
            return sealing.seal(value)
        if self.instance.pk and self.instance.client_secret:
            return str(self.instance.client_secret)
        raise forms.ValidationError("Informe o client_secret fornecido pelo prestador.")


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ProviderForm
    list_display = ["name", "slug", "adapter", "base_url", "enabled", "position", "updated_at"]
    list_filter = ["enabled", "adapter"]
    list_editable = ["enabled", "position"]
    search_fields = ["name", "slug", "base_url"]
    readonly_fields = ["amr_display", "updated_at"]

    @admin.display(description="registrado como")
    def amr_display(self, obj: Provider) -> str:
        return obj.amr if obj.pk else "—"

    fields = [*ProviderForm.Meta.fields, "amr_display", "updated_at"]
