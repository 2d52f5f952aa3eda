"""The admin's import and export of partner files (django-import-export), as INSS staff need them:

- the files they really have are read (``portal.spreadsheet_formats``: Excel's ``;`` CSV in Windows-1252, UTF-8 with
  or without a BOM, XLSX), and a file that cannot be read is refused with a sentence in Portuguese on the form — the
  library would show the exception's class name in English;
- the preview (templates ``admin/import_export/``) lists each refused row by its line with its sentences
  (``portal.import_report``), never a traceback;
- the confirmation imports the whole file or nothing: a row that became invalid since the preview (another person
  changed the data meanwhile) undoes the import and says so, where the library would keep the other rows and report
  success;
- the messages are in Portuguese.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ImportExportModelAdmin

from portal.import_report import ImportReport
from portal.spreadsheet_files import UnreadableFile
from portal.spreadsheet_formats import EXPORT_FORMATS, IMPORT_FORMATS

logger = logging.getLogger("portal.import")

UNREADABLE = "Não foi possível ler o arquivo. Salve-o no Excel como CSV ou como planilha XLSX e envie-o de novo."
#: How many refused lines a message after a failed confirmation names.
LISTED = 5


class PartnerImportExportAdmin(ImportExportModelAdmin):  # type: ignore[misc]  # untyped library
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS

    def has_import_permission(self, request: HttpRequest) -> bool:
        # A file's rows are not checked against the admin's scope: a scoped writer (a GEX's management group, which
        # may change its own entities) does not import.
        from portal.permissions import visible_ufs

        return bool(super().has_import_permission(request)) and visible_ufs(request.user) is None  # type: ignore[arg-type]

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        if isinstance(e, UnreadableFile):
            form.add_error("import_file", str(e))
            return
        logger.error("partner file could not be read", exc_info=e)
        form.add_error("import_file", UNREADABLE)

    def get_import_data_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        data_kwargs: dict[str, Any] = super().get_import_data_kwargs(**kwargs)
        return {**data_kwargs, "rollback_on_validation_errors": True}

    def process_result(self, result: ImportReport, request: HttpRequest) -> HttpResponse:
        if result.has_errors() or result.has_validation_errors():
            problems = result.problem_lines()
            more = f" (e mais {len(problems) - LISTED})" if len(problems) > LISTED else ""
            messages.error(
                request,
                "Nada foi importado: os dados mudaram desde a prévia e o arquivo não passa mais na conferência — "
                + "; ".join(problems[:LISTED])
                + more
                + ". Envie o arquivo de novo para ver a prévia atualizada.",
            )
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        response: HttpResponse = super().process_result(result, request)
        return response

    def add_success_message(self, result: ImportReport, request: HttpRequest) -> None:
        messages.success(
            request, f"Importação concluída — linhas de {self.model._meta.verbose_name_plural}: {result.summary()}."
        )
