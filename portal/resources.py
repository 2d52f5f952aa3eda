"""django-import-export resources for the partner-data CSV/XLSX format (``portal.partners_io``): the admin's
import and export, and the ``import_partners`` command, all go through these.

Imports (``PartnerFileResource``): a file whose columns are not the format's is refused as a whole, in one sentence,
before any row is looked at; blank rows are passed over (they keep their line numbers: see ``portal.import_report``,
which also words every error); a row whose values are already stored is reported unchanged and writes nothing — no
save, no history row, no admin log entry. Exports write the kind's label, not its code, and dates ``dd/mm/aaaa`` in a
CSV (date cells in an XLSX); the import reads both back.

Every resource derives from ``SpreadsheetSafeResource``: each export's cells go through ``portal.spreadsheet``
(text that a spreadsheet would run as a formula gets a leading quote). The library's own
``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` is not used: it only deletes a leading ``=`` (changing the data and
leaving ``+``, ``-``, ``@`` live) and turns every number into text."""

from __future__ import annotations

from typing import Any

import tablib
from diff_match_patch import diff_match_patch  # type: ignore[import-untyped]
from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from django.utils.html import format_html_join
from import_export import fields, resources, widgets
from import_export.resources import Diff
from import_export.results import RowResult

from portal.import_report import ImportProblem, ImportReport, line_of
from portal.models import Member, Membership, OabRegistration, PartnerEntity
from portal.partners_io import (
    ENTITY_COLUMNS,
    ENTITY_OPTIONAL_COLUMNS,
    KIND_LABELS,
    MEMBER_COLUMNS,
    cell_value,
    check_columns,
    column_names,
    parse_entity_row,
    parse_member_row,
)
from portal.spreadsheet import safe_dataset
from portal.spreadsheet_files import is_blank
from rollout.models import GerenciaExecutiva


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


class PartnerFileResource(SpreadsheetSafeResource):
    """What the entity and the member files share on import (see the module's docstring)."""

    #: The file's columns, in order (``portal.partners_io``), and those it may add at the end.
    columns: tuple[str, ...] = ()
    optional_columns: tuple[str, ...] = ()

    def get_result_class(self) -> type[ImportReport]:
        return ImportReport

    def get_error_result_class(self) -> type[ImportProblem]:
        return ImportProblem

    def get_diff_class(self) -> type[Diff]:
        return PlainDiff

    def import_data(self, dataset: tablib.Dataset, *args: Any, **kwargs: Any) -> ImportReport:
        try:
            check_columns(dataset.headers, self.columns, self.optional_columns)
        except ValidationError as exc:
            report = ImportReport()
            report.diff_headers = self.get_diff_headers()
            report.append_base_error(ImportProblem(exc))
            return report
        dataset.headers = column_names(dataset.headers)
        self.file_columns = tuple(dataset.headers)
        result: ImportReport = super().import_data(dataset, *args, **kwargs)
        return result

    def import_row(self, row: dict[str, Any], instance_loader: Any, **kwargs: Any) -> RowResult:
        if is_blank(row.values()):
            return RowResult()  # no import type: neither counted nor shown
        return super().import_row(row, instance_loader, **kwargs)


class PlainDiff(Diff):  # type: ignore[misc]  # untyped library
    """The preview's cell diffs as the library draws them (``<ins>``, ``<del>``), without the inline ``style``
    attributes of diff-match-patch's ``diff_prettyHtml``: the CSP blocks those (one console error per cell), and the
    library's ``import.css`` colours ``ins`` and ``del`` already."""

    TAGS = {
        diff_match_patch.DIFF_INSERT: "ins",
        diff_match_patch.DIFF_DELETE: "del",
        diff_match_patch.DIFF_EQUAL: "span",
    }

    def as_html(self) -> list[str]:
        matcher = diff_match_patch()
        cells: list[str] = []
        for before, after in zip(self.left, self.right, strict=False):
            diff = matcher.diff_main("" if self.new else force_str(before), force_str(after))
            matcher.diff_cleanupSemantic(diff)
            parts = ((self.TAGS[op], text, self.TAGS[op]) for op, text in diff)
            cells.append(format_html_join("", "<{}>{}</{}>", parts))
        return cells


class KindWidget(widgets.Widget):  # type: ignore[misc]  # untyped library
    """The kind's label on export ("Município"); on import the row already holds the code (``parse_entity_row``
    reads the code or the label)."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return KIND_LABELS.get(value, value or "")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return value


class EntityResource(PartnerFileResource):
    """The optional ``gex`` column (a Gerência-Executiva's code) is imported only from a file that has it, and never
    exported: the export keeps the format's seven columns."""

    columns = ENTITY_COLUMNS
    optional_columns = ENTITY_OPTIONAL_COLUMNS
    kind = fields.Field(attribute="kind", column_name="kind", widget=KindWidget())
    gex = fields.Field(attribute="gex", column_name="gex", widget=widgets.ForeignKeyWidget(GerenciaExecutiva, "code"))
    act_signed_on = fields.Field(
        attribute="act_signed_on", column_name="act_signed_on", widget=widgets.DateWidget("%d/%m/%Y")
    )

    class Meta:
        model = PartnerEntity
        fields = (*ENTITY_COLUMNS, *ENTITY_OPTIONAL_COLUMNS)
        export_order = ENTITY_COLUMNS
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        self._seen: dict[str, int] = {}
        with_gex = "gex" in getattr(self, "file_columns", ())
        self._gex_codes = set(GerenciaExecutiva.objects.values_list("code", flat=True)) if with_gex else set()

    def get_import_fields(self) -> list[fields.Field]:
        with_gex = "gex" in getattr(self, "file_columns", ())
        return [f for f in super().get_import_fields() if with_gex or f.column_name != "gex"]

    def get_export_fields(self, selected_fields: Any = None) -> list[fields.Field]:
        return [f for f in super().get_export_fields(selected_fields) if f.column_name in ENTITY_COLUMNS]

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        record = parse_entity_row(row)
        line = line_of(kwargs.get("row_number", 0))
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
            act_signed_on=record.act_signed_on,
            contact_email=record.contact_email,
        )
        if record.gex is not None:
            if record.gex and record.gex not in self._gex_codes:
                raise ValidationError(
                    {"gex": f"Gerência-executiva desconhecida: {record.gex}. Cadastre-a antes de atribuí-la."}
                )
            row["gex"] = record.gex


class MemberResource(PartnerFileResource):
    """One row per entity a member acts for; the OAB columns add a registration. Exported the same way.

    A row is unchanged when the member's fields are as stored, the membership exists and is active, and the OAB
    registration (if any) exists; a row that only adds a membership or a registration is an update that does not
    save the member again (no history row for a member who did not change)."""

    columns = MEMBER_COLUMNS

    # Not the member's own fields: held on the instance during an import (``after_init_instance``) so that the
    # preview shows the row's entity and OAB registration.
    entity_code = fields.Field(attribute="row_entity_code", column_name="entity_code")
    oab_number = fields.Field(attribute="row_oab_number", column_name="oab_number")
    oab_uf = fields.Field(attribute="row_oab_uf", column_name="oab_uf")

    class Meta:
        model = Member
        fields = MEMBER_COLUMNS
        export_order = MEMBER_COLUMNS
        import_id_fields = ("cpf",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        """Every problem of the row at once, in the order of the columns."""
        errors: dict[str, list[str]] = {}
        record = None
        try:
            record = parse_member_row(row)
        except ValidationError as exc:
            errors = exc.message_dict
        code = cell_value(row, "entity_code")
        if code and not PartnerEntity.objects.filter(code=code).exists():
            errors.setdefault("entity_code", []).append(f"Entidade {code} não cadastrada.")
        if record is not None and record.oab_number:
            taken = (
                OabRegistration.objects.filter(number__iexact=record.oab_number, uf=record.oab_uf)
                .exclude(member__cpf=record.cpf)
                .exists()
            )
            if taken:
                errors["oab_number"] = [f"A inscrição {record.oab_number}/{record.oab_uf} já pertence a outro membro."]
        if errors or record is None:
            raise ValidationError({column: errors[column] for column in MEMBER_COLUMNS if column in errors})
        row.update(
            cpf=record.cpf,
            name=record.name,
            email=record.email,
            entity_code=record.entity_code,
            oab_number=record.oab_number,
            oab_uf=record.oab_uf,
        )

    def after_init_instance(self, instance: Member, new: bool, row: dict[str, Any], **kwargs: Any) -> None:
        for column in ("entity_code", "oab_number", "oab_uf"):
            setattr(instance, f"row_{column}", row.get(column) or "")

    def skip_row(
        self, instance: Member, original: Member, row: dict[str, Any], import_validation_errors: Any = None
    ) -> bool:
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        return self._links_in_place(instance, row)

    def do_instance_save(self, instance: Member, is_create: bool) -> None:
        if is_create or not self._stored_as_is(instance):
            super().do_instance_save(instance, is_create)

    def after_save_instance(self, instance: Member, row: dict[str, Any], **kwargs: Any) -> None:
        entity = PartnerEntity.objects.get(code=row["entity_code"])
        membership, created = Membership.objects.get_or_create(
            member=instance, entity=entity, defaults={"active": True}
        )
        if not created and not membership.active:
            membership.active = True
            membership.save(update_fields=["active"])
        if row.get("oab_number") and not self._registration(instance, row).exists():
            OabRegistration.objects.create(
                member=instance,
                number=row["oab_number"],
                uf=row["oab_uf"],
                main=not instance.oab_registrations.exists(),
            )

    @staticmethod
    def _stored_as_is(member: Member) -> bool:
        return Member.objects.filter(pk=member.pk, cpf=member.cpf, name=member.name, email=member.email).exists()

    @staticmethod
    def _registration(member: Member, row: dict[str, Any]) -> Any:
        return OabRegistration.objects.filter(member=member, number__iexact=row["oab_number"], uf=row["oab_uf"])

    def _links_in_place(self, member: Member, row: dict[str, Any]) -> bool:
        if member.pk is None:
            return False
        membership = Membership.objects.filter(member=member, entity__code=row["entity_code"], active=True)
        return membership.exists() and (not row.get("oab_number") or self._registration(member, row).exists())

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
