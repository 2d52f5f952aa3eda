"""django-import-export resources for the partner-data CSV/XLSX format (``portal.partners_io``): the admin's
import and export, and the ``import_partners`` command, all go through these.

Every resource derives from ``SpreadsheetSafeResource``: each export's cells go through ``portal.spreadsheet``
(text that a spreadsheet would run as a formula gets a leading quote). The library's own
``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` is not used: it only deletes a leading ``=`` (changing the data and
leaving ``+``, ``-``, ``@`` live) and turns every number into text."""

from __future__ import annotations

from typing import Any

import tablib
from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from portal.models import Member, Membership, OabRegistration, PartnerEntity
from portal.partners_io import (
    ENTITY_COLUMNS,
    MEMBER_COLUMNS,
    check_columns,
    parse_entity_row,
    parse_member_row,
)
from portal.spreadsheet import safe_dataset


class SpreadsheetSafeResource(resources.ModelResource):  # type: ignore[misc]  # untyped library
    """Whatever builds the rows (the library, or a subclass's ``export_rows``), the dataset handed to the CSV or XLSX
    writer has every cell through ``portal.spreadsheet.safe_cell``. A subclass that overrode ``export`` itself would
    skip that, so defining one is refused."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "export" in vars(cls):
            raise TypeError(f"{cls.__name__}: build the rows in export_rows(); export() neutralises formulas")

    def export(self, queryset: Any = None, **kwargs: Any) -> tablib.Dataset:
        return safe_dataset(self.export_rows(queryset, **kwargs))

    def export_rows(self, queryset: Any = None, **kwargs: Any) -> tablib.Dataset:
        """The rows to export, as they are (the library's export by default)."""
        return super().export(queryset, **kwargs)


class EntityResource(SpreadsheetSafeResource):
    act_signed_on = fields.Field(
        attribute="act_signed_on", column_name="act_signed_on", widget=widgets.DateWidget("%Y-%m-%d")
    )

    class Meta:
        model = PartnerEntity
        fields = ENTITY_COLUMNS
        export_order = ENTITY_COLUMNS
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        check_columns(dataset.headers, ENTITY_COLUMNS)
        self._seen: dict[str, int] = {}

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        record = parse_entity_row(row)
        line = kwargs.get("row_number", 0) + 1
        if record.code in self._seen:
            raise ValidationError(
                {"code": f"Código {record.code} repetido no arquivo (já na linha {self._seen[record.code]})."}
            )
        self._seen[record.code] = line
        row.update(
            code=record.code,
            name=record.name,
            kind=record.kind,
            uf=record.uf,
            act_number=record.act_number,
            contact_email=record.contact_email,
        )


class MemberResource(SpreadsheetSafeResource):
    """One row per entity a member acts for; the OAB columns add a registration. Exported the same way."""

    entity_code = fields.Field(column_name="entity_code")
    oab_number = fields.Field(column_name="oab_number")
    oab_uf = fields.Field(column_name="oab_uf")

    class Meta:
        model = Member
        fields = MEMBER_COLUMNS
        export_order = MEMBER_COLUMNS
        import_id_fields = ("cpf",)
        skip_unchanged = False
        clean_model_instances = True

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        check_columns(dataset.headers, MEMBER_COLUMNS)

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        record = parse_member_row(row)
        if not PartnerEntity.objects.filter(code=record.entity_code).exists():
            raise ValidationError({"entity_code": f"Entidade {record.entity_code} não cadastrada."})
        if record.oab_number:
            taken = (
                OabRegistration.objects.filter(number__iexact=record.oab_number, uf=record.oab_uf)
                .exclude(member__cpf=record.cpf)
                .exists()
            )
            if taken:
                raise ValidationError(
                    {"oab_number": f"A inscrição {record.oab_number}/{record.oab_uf} já pertence a outro membro."}
                )
        row.update(
            cpf=record.cpf,
            name=record.name,
            email=record.email,
            entity_code=record.entity_code,
            oab_number=record.oab_number,
            oab_uf=record.oab_uf,
        )

    def after_save_instance(self, instance: Member, row: dict[str, Any], **kwargs: Any) -> None:
        entity = PartnerEntity.objects.get(code=row["entity_code"])
        Membership.objects.update_or_create(member=instance, entity=entity, defaults={"active": True})
        if row.get("oab_number"):
            registration = OabRegistration.objects.filter(
                member=instance, number__iexact=row["oab_number"], uf=row["oab_uf"]
            ).first()
            if registration is None:
                OabRegistration.objects.create(
                    member=instance,
                    number=row["oab_number"],
                    uf=row["oab_uf"],
                    main=not instance.oab_registrations.exists(),
                )

    def export_rows(self, queryset: Any = None, **kwargs: Any) -> tablib.Dataset:
        """Rows as the import reads them: one per membership, and one more per further OAB registration."""
        members = (queryset if queryset is not None else Member.objects.all()).prefetch_related(
            "oab_registrations", "memberships__entity"
        )
        dataset = tablib.Dataset(headers=list(MEMBER_COLUMNS))
        for member in members:
            registrations = [(r.number, r.uf) for r in member.oab_registrations.all()] or [("", "")]
            for membership in member.memberships.all():
                for number, uf in registrations:
                    dataset.append([membership.entity.code, member.cpf, member.name, member.email, number, uf])
        return dataset
