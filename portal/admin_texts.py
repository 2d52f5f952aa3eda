"""What the admin says about a model in Portuguese that agrees with the model's gender, for every admin of the site.

Django's pt-BR admin writes "O %(name)s com ID … não existe. Talvez tenha sido removido." and "Remover
%(verbose_name_plural)s selecionados" for every model, so staff read "O entidade parceira" and "etapas do cronograma
selecionados". :class:`PortalTexts` writes those, and each list's heading, per model, from :data:`FEMININE`, and
tells a regional office that an object it cannot see belongs to another superintendência (Django says it does not
exist). The portal's admin site mixes it into every admin it registers (``portal.admin_site``), Django's and third
parties' included.

Messages Django builds elsewhere (saved, deleted…) are reworded without gender in the project's translation of the
admin (``locale/admin``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.db.models.options import Options
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

#: Grammatical gender of each model's verbose name (``app_label.model_name`` → feminine?). A model registered in
#: the admin without an entry here fails ``tests/portal/test_admin_texts.py``.
FEMININE: dict[str, bool] = {
    "auth.group": False,  # grupo
    "axes.accessattempt": True,  # tentativa de acesso
    "axes.accessfailurelog": True,  # falha de acesso
    "axes.accesslog": False,  # registro de acesso
    "associations.association": True,  # associação
    "associations.coordinator": False,  # coordenador de associação
    "certauth.crlissuer": True,  # AC emissora de LCR
    "certauth.loginattempt": True,  # tentativa de login
    "certauth.trustedauthority": True,  # AC do repositório de confiança
    "certauth.truststoreimport": True,  # importação do repositório de confiança
    "cloudauth.provider": False,  # prestador de serviço de confiança
    "managers.entitymanager": False,  # gestor da entidade
    "oidc.client": False,  # cliente OpenID Connect
    "oidc.logoutdelivery": False,  # logout por canal de retaguarda
    "oidc.sessionclient": True,  # sessão com cliente
    "portal.entityselection": True,  # escolha de entidade
    "portal.member": False,  # membro
    "portal.membership": False,  # vínculo
    "portal.partnerentity": True,  # entidade parceira
    "portal.user": False,  # usuário
    "rollout.entityoverride": True,  # data específica de entidade
    "rollout.gerenciaexecutiva": True,  # gerência-executiva
    "rollout.reminder": False,  # lembrete enviado
    "rollout.superintendencia": True,  # superintendência
    "rollout.wave": True,  # etapa do cronograma
    "rollout.webinar": True,  # palestra on-line (webinar)
    "support.referencelookup": True,  # consulta por referência
}


def _ending(opts: Options[Any]) -> tuple[str, str] | None:
    """(singular article, participle ending) — ("A", "a") or ("O", "o") — or None for a model without a gender."""
    feminine = FEMININE.get(opts.label_lower)
    if feminine is None:
        return None
    return ("A", "a") if feminine else ("O", "o")


def not_found_message(opts: Options[Any], key: str, *, out_of_scope: bool) -> str:
    """What staff read when the object asked for cannot be shown: it does not exist, or belongs to another region."""
    name, plural = str(opts.verbose_name), str(opts.verbose_name_plural)
    ending = _ending(opts)
    if ending is None:  # never for a registered admin (tested); worded without gender all the same
        if out_of_scope:
            return f"O registro com ID “{key}” ({name}) pertence a outra superintendência."
        return f"Não há registro com ID “{key}” ({name}). Talvez tenha sido removido."
    article, end = ending
    if out_of_scope:
        return (
            f"{article} {name} com ID “{key}” pertence a outra superintendência: o seu acesso se limita "
            f"{'às' if end == 'a' else 'aos'} {plural} da sua superintendência."
        )
    return f"{article} {name} com ID “{key}” não existe. Talvez tenha sido removid{end}."


def delete_selected_description(opts: Options[Any]) -> str:
    """The bulk delete action's label: "Remover as entidades parceiras selecionadas"."""
    plural = str(opts.verbose_name_plural)
    ending = _ending(opts)
    if ending is None:
        return f"Remover os registros selecionados ({plural})"
    article, end = ending
    return f"Remover {article.lower()}s {plural} selecionad{end}s"


def changelist_title(opts: Options[Any], *, editable: bool) -> str:
    """The list's heading: "Selecione a etapa do cronograma que deseja alterar" (Django: "Selecione etapa do
    cronograma para modificar")."""
    name, verb = str(opts.verbose_name), "alterar" if editable else "visualizar"
    ending = _ending(opts)
    if ending is None:
        return f"{name[:1].upper()}{name[1:]}: selecione o registro que deseja {verb}"
    return f"Selecione {ending[0].lower()} {name} que deseja {verb}"


class PortalTexts(admin.ModelAdmin):  # type: ignore[type-arg]
    """Mixed into every admin of the portal's site (first in the MRO, so the admin's own methods still run)."""

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        title = changelist_title(self.opts, editable=self.has_change_permission(request))
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str) -> HttpResponseRedirect:
        key = unquote(object_id)
        out_of_scope = _exists_unscoped(opts.model, key)
        self.message_user(request, not_found_message(opts, key, out_of_scope=out_of_scope), messages.WARNING)
        if self.has_view_or_change_permission(request):
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=self.admin_site.name)
        else:
            url = reverse("admin:index", current_app=self.admin_site.name)
        return HttpResponseRedirect(url)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)
        if "delete_selected" in actions:
            function, name, _ = actions["delete_selected"]
            # get_action_choices formats the label with the model's names: a literal "%" must survive it
            label = delete_selected_description(self.opts).replace("%", "%%")
            actions["delete_selected"] = (function, name, label)
        return actions


def _exists_unscoped(model: type[Model], key: str) -> bool:
    """Whether the object exists at all (the admin's queryset, scoped to a region, did not find it)."""
    try:
        return model._default_manager.filter(pk=key).exists()
    except (ValueError, TypeError, ValidationError):  # not a valid primary key: it cannot exist
        return False


def with_portal_texts(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:  # type: ignore[type-arg]
    """``admin_class`` with :class:`PortalTexts` mixed in (the class itself if it already has it)."""
    if issubclass(admin_class, PortalTexts):
        return admin_class
    namespace = {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__}
    if admin_class.__doc__:
        namespace["__doc__"] = admin_class.__doc__
    return type(admin_class.__name__, (PortalTexts, admin_class), namespace)
