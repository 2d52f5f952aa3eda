"""The managers' forms: errors in Portuguese, each tied to its field (and summed up at the top of the page)."""

from __future__ import annotations

from typing import Any

from django import forms
from localflavor.br.br_states import STATE_CHOICES
from localflavor.br.forms import BRCPFField

from certauth.icp.numbers import normalize_cpf, normalize_oab_number
from managers.conf import settings as managers_settings
from managers.rules import Situation
from managers.services import MemberData
from portal.models import EntityKind, PartnerEntity

_TEXT = {"class": "br-input__field"}


class MemberForm(forms.Form):
    cpf = BRCPFField(
        label="CPF",
        error_messages={
            "required": "Informe o CPF.",
            "invalid": "CPF inválido: confira os dígitos verificadores.",
            "max_digits": "CPF inválido: são 11 dígitos.",
        },
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "numeric", "autocomplete": "off"}),
        help_text="Com ou sem pontuação.",
    )
    name = forms.CharField(
        label="Nome completo",
        max_length=200,
        error_messages={"required": "Informe o nome."},
        widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label="E-mail",
        error_messages={
            "required": "Informe o e-mail: o membro recebe por ele as orientações de acesso.",
            "invalid": "E-mail inválido.",
        },
        widget=forms.EmailInput(attrs={**_TEXT, "autocomplete": "off"}),
    )
    oab_number = forms.CharField(
        label="Inscrição na OAB (número)",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "off"}),
    )
    oab_uf = forms.ChoiceField(label="Inscrição na OAB (UF)", choices=[("", "—"), *STATE_CHOICES], required=False)

    def __init__(self, *args: Any, entity: PartnerEntity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entity = entity
        if entity.kind == EntityKind.OAB:
            for name in ("oab_number", "oab_uf"):
                self.fields[name].required = True
                self.fields[name].error_messages["required"] = "Informe a inscrição na OAB (número e UF)."
            self.fields["oab_uf"].initial = entity.uf

    def clean_oab_number(self) -> str:
        number = normalize_oab_number(self.cleaned_data.get("oab_number", ""))
        if number and not number.isalnum():
            raise forms.ValidationError("Número de inscrição na OAB inválido: use só números (e letras, se houver).")
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("oab_number")) != bool(data.get("oab_uf")) and not self.errors:
            self.add_error("oab_uf", "Informe o número e a UF da inscrição na OAB, ou nenhum dos dois.")
        return data

    def member_data(self) -> MemberData:
        d = self.cleaned_data
        return MemberData(
            cpf=normalize_cpf(d["cpf"]),
            name=" ".join(d["name"].split()),
            email=d["email"].strip(),
            oab_number=d.get("oab_number", ""),
            oab_uf=d.get("oab_uf", ""),
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Planilha (CSV ou XLSX)",
        error_messages={"required": "Escolha o arquivo.", "empty": "O arquivo está vazio."},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > managers_settings.BULK_MAX_BYTES:
            limit = managers_settings.BULK_MAX_BYTES // 1024
            raise forms.ValidationError(f"O arquivo tem mais de {limit} KB. Divida-o em arquivos menores.")
        return bytes(upload.read())


SITUATION_FILTERS = [("", "Todos os ativos"), ("inativos", "Desativados")] + [(s.value, s.label) for s in Situation]


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Buscar por nome, CPF ou OAB",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**_TEXT, "type": "search"}),
    )
    situacao = forms.ChoiceField(label="Situação", choices=SITUATION_FILTERS, required=False)
