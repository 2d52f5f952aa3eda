"""What the support desk reads for an attempt: a diagnosis in plain Portuguese and a suggested answer for the ticket
(pure: no Django; the current instant and the links are arguments).

One entry per error code (``certauth.icp.errors.Reason``); :func:`diagnose` adds what changed since the attempt
(the member registered or reactivated since, the certificate revoked or expired since, password access ended since),
so the answer fits the situation of today, not only that of the screenshot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

BRASILIA = ZoneInfo("America/Sao_Paulo")


@dataclass(frozen=True, slots=True)
class Links:
    """Addresses quoted in the answers (as text: the answer is pasted into a ticket)."""

    ar_list: str = "listaars.iti.gov.br"
    support: str = "suporte.inss.gov.br/act"


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about the attempt and about today, as the lookup found it."""

    code: str  #: "" for an accepted attempt
    accepted: bool
    method: str = "certificate"  #: certificate / password / cloud
    certificate_type: str = ""  #: A1, A3, A4 or "" when unknown
    not_after: dt.datetime | None = None  #: the certificate's end of validity, when recorded
    revoked_now: bool | None = None  #: on the current CRL today (None: unknown)
    member_known_now: bool = False
    member_active_now: bool = False
    active_entities_now: int = 0  #: active memberships in active entities today
    password_allowed_now: bool | None = None  #: for the entity of the attempt (None: no entity)
    cutover_at: dt.datetime | None = None  #: that entity's cutover, when it has one


@dataclass(frozen=True, slots=True)
class Diagnosis:
    title: str
    explanation: str
    answer: str
    since: tuple[str, ...] = field(default_factory=tuple)  #: what changed since the attempt


@dataclass(frozen=True, slots=True)
class _Entry:
    title: str
    explanation: str
    answer: str


def _entries(links: Links) -> dict[str, _Entry]:
    ar = f"adquira ou renove o certificado numa Autoridade de Registro (AR) credenciada pelo ITI ({links.ar_list})"
    entity = (
        "o responsável pela entidade parceira deve pedir ao INSS a atualização do cadastro (membros e vínculos) "
        "pelo canal de atendimento, categoria “Certificado Digital ACT”"
    )
    close = "feche todas as janelas do navegador antes de tentar de novo (o navegador lembra o certificado escolhido)"
    return {
        "CERT_ABSENT": _Entry(
            "Nenhum certificado chegou ao portal",
            "O navegador não apresentou certificado: token ou cartão desconectado, certificado não escolhido, "
            "driver do token ausente, ou certificado vencido que o navegador não oferece.",
            "Confira se o token ou cartão está conectado e se o programa do fornecedor o reconhece; "
            f"{close}; escolha o certificado A3 quando o navegador pedir. Se ele não aparecer, confira a validade "
            "no programa do token e a data e a hora do computador.",
        ),
        "CERT_MALFORMED": _Entry(
            "Certificado ilegível",
            "O que chegou ao portal não pôde ser lido como certificado X.509.",
            "Tente de novo com o token conectado; se o erro continuar, procure o suporte do fornecedor do "
            "certificado, que pode reemitir o certificado.",
        ),
        "PROXY_UNTRUSTED": _Entry(
            "Acesso por caminho não autorizado",
            "A requisição não veio do servidor de login com certificado (endereço ou atalho antigo, ou tentativa "
            "de contornar o login).",
            "Entre pela página inicial do portal, botão “Entrar com certificado digital”, sem atalhos salvos.",
        ),
        "CERT_UNTRUSTED": _Entry(
            "Certificado fora da ICP-Brasil (ou de AC ainda não reconhecida)",
            "Não foi possível montar o caminho do certificado até uma raiz da ICP-Brasil: certificado de outra "
            "infraestrutura, de teste, ou de uma AC nova que o portal ainda não conhecia.",
            f"Use um e-CPF A3 da ICP-Brasil; {close}. Se o certificado é ICP-Brasil, informe a AC emissora ao INSS "
            "(pode ser uma AC recém-credenciada).",
        ),
        "CERT_EXPIRED": _Entry(
            "Certificado vencido",
            "A validade do certificado terminou antes da tentativa.",
            f"O certificado venceu: {ar}.",
        ),
        "CERT_NOT_YET_VALID": _Entry(
            "Certificado ainda não válido",
            "O certificado só passa a valer depois da data da tentativa (ou o relógio do computador está errado).",
            "Confira a data e a hora do computador; se estiverem certas, aguarde o início da validade do "
            "certificado ou use outro.",
        ),
        "CERT_REVOKED": _Entry(
            "Certificado revogado",
            "A AC que emitiu o certificado o revogou (consta da sua lista de certificados revogados, LCR).",
            f"O certificado foi revogado pela AC e não volta a valer: {ar}.",
        ),
        "CERT_REVOCATION_UNKNOWN": _Entry(
            "Revogação não verificada",
            "A lista de certificados revogados (LCR) da AC emissora não estava disponível no portal no momento.",
            "O problema é temporário e do lado do portal: peça que tente de novo; se continuar, o chamado deve "
            "ser encaminhado à equipe técnica do INSS com a referência.",
        ),
        "CERT_NOT_A3": _Entry(
            "Certificado não é do tipo A3",
            "O portal aceita apenas certificados A3 (ou A4): token, cartão ou em nuvem. Certificados A1 (arquivo "
            "instalado no computador) são recusados pela Portaria.",
            f"O certificado usado é do tipo A1 (ou de outro tipo não aceito): {ar}, do tipo A3 (token, cartão ou "
            "em nuvem).",
        ),
        "CERT_KEY_USAGE": _Entry(
            "Certificado sem uso para autenticação",
            "O certificado não permite autenticação de cliente (login): por exemplo, um certificado só de "
            "assinatura, de servidor ou de AC.",
            f"Use o seu e-CPF A3 de pessoa física; {close}.",
        ),
        "CERT_NO_CPF": _Entry(
            "Certificado sem CPF válido",
            "Não foi encontrado um CPF válido no certificado (e-CNPJ, certificado de equipamento ou CPF com "
            "dígitos errados).",
            "Use o seu e-CPF A3. Se o certificado é seu e é um e-CPF, procure a AR que o emitiu: o CPF gravado "
            "nele está incorreto.",
        ),
        "MEMBER_UNKNOWN": _Entry(
            "CPF não cadastrado",
            "O certificado é válido, mas o CPF não estava cadastrado como membro de nenhuma entidade parceira.",
            f"O certificado está correto; falta o cadastro: {entity}.",
        ),
        "MEMBER_INACTIVE": _Entry(
            "Cadastro do membro inativo",
            "O CPF está cadastrado, mas o cadastro do membro estava inativo.",
            f"O certificado está correto; o cadastro está inativo: {entity}.",
        ),
        "ENTITY_INACTIVE": _Entry(
            "Sem entidade ativa",
            "O membro não tinha vínculo ativo com uma entidade parceira ativa (ACT suspenso ou encerrado, ou "
            "vínculo encerrado).",
            "O certificado está correto; a entidade ou o vínculo não está ativo: o responsável pela entidade deve "
            "regularizar o Acordo de Cooperação Técnica ou o vínculo com o INSS.",
        ),
        "OAB_MISMATCH": _Entry(
            "Inscrição na OAB diferente da cadastrada",
            "O certificado traz uma inscrição na OAB que não é nenhuma das cadastradas para o membro.",
            "Confira a inscrição gravada no certificado e a cadastrada; se o cadastro estiver errado, a seccional "
            "deve pedir a correção ao INSS; se o certificado estiver errado, a AR que o emitiu deve reemiti-lo.",
        ),
        "PASSWORD_RETIRED": _Entry(
            "Acesso com senha encerrado",
            "Para a entidade do membro, o acesso já exigia certificado A3 (Portaria Conjunta nº 96/2024).",
            f"Entre com o certificado digital A3. Sem certificado: {ar}.",
        ),
        "PASSWORD_INVALID": _Entry(
            "CPF ou senha incorretos",
            "O CPF ou a senha digitados não conferem (a resposta não diz qual, por segurança).",
            "Confira o CPF e a senha; prefira entrar com o certificado digital A3.",
        ),
        "LOCKED_OUT": _Entry(
            "Acesso com senha bloqueado temporariamente",
            "Houve tentativas demais com senha errada para este CPF.",
            "Aguarde o fim do bloqueio (minutos) e tente de novo; prefira entrar com o certificado digital A3.",
        ),
        "CLOUD_PSC_UNAVAILABLE": _Entry(
            "Prestador do certificado em nuvem indisponível",
            "O prestador de serviço de confiança (PSC) não respondeu a tempo ou respondeu com erro.",
            "O problema é do prestador: tente de novo em alguns minutos ou use o token, se tiver um.",
        ),
        "CLOUD_DENIED": _Entry(
            "Pedido recusado no aplicativo do PSC",
            "O titular recusou a autorização no aplicativo do prestador.",
            "Tente de novo e aprove o pedido no aplicativo do prestador.",
        ),
        "CLOUD_NO_CERTIFICATE": _Entry(
            "O PSC escolhido não guarda certificado para o CPF",
            "O prestador escolhido disse não ter certificado para o CPF digitado.",
            "Confira qual prestador emitiu o certificado em nuvem e escolha-o; ou use o token.",
        ),
        "CLOUD_EXPIRED": _Entry(
            "Tempo esgotado no login em nuvem",
            "A aprovação no aplicativo não veio dentro do prazo.",
            "Tente de novo e aprove o pedido no aplicativo logo em seguida.",
        ),
        "CLOUD_CHALLENGE_INVALID": _Entry(
            "Pedido de login em nuvem inválido",
            "O pedido era desconhecido, já usado, ou de outra janela do navegador.",
            "Comece o login de novo pela página inicial, numa só janela.",
        ),
        "CLOUD_CPF_MISMATCH": _Entry(
            "CPF diferente no certificado em nuvem",
            "O prestador ou o certificado indicam outro CPF que não o digitado.",
            "Digite o CPF do titular do certificado em nuvem.",
        ),
        "CLOUD_BAD_SIGNATURE": _Entry(
            "Assinatura em nuvem inválida",
            "A assinatura devolvida pelo prestador não confere com o certificado.",
            "Tente de novo; se continuar, o chamado deve ser encaminhado à equipe técnica do INSS com a referência.",
        ),
        "CLOUD_RATE_LIMITED": _Entry(
            "Tentativas demais no login em nuvem",
            "Houve pedidos demais para este CPF ou deste endereço em pouco tempo.",
            "Aguarde alguns minutos e tente de novo.",
        ),
        "SESSION_EXPIRED": _Entry(
            "Sessão encerrada pelo limite de tempo",
            "A sessão chegou ao tempo máximo desde o login.",
            "Basta entrar de novo com o certificado.",
        ),
        "SESSION_ENDED": _Entry(
            "Sessão encerrada pelo INSS",
            "A equipe do INSS encerrou as sessões abertas do membro.",
            "Entre de novo; se o acesso for recusado, veja o novo código de erro.",
        ),
    }


_ACCEPTED = _Entry(
    "Tentativa aceita",
    "O login foi aceito: o certificado e o cadastro estavam em ordem nesse momento.",
    "O login funcionou; o problema relatado é posterior a ele. Peça a nova captura de tela com o código e a "
    "referência da recusa.",
)


def known_codes(links: Links | None = None) -> frozenset[str]:
    return frozenset(_entries(links or Links()))


def diagnose(facts: Facts, *, now: dt.datetime, links: Links | None = None) -> Diagnosis:
    """The diagnosis of one attempt, with what changed since it (``now`` aware)."""
    links = links or Links()
    if facts.accepted:
        entry = _ACCEPTED
    else:
        entry = _entries(links).get(facts.code) or _Entry(
            f"Código {facts.code or 'não registrado'}",
            "Código sem diagnóstico próprio nesta consulta.",
            "Encaminhe o chamado à equipe técnica do INSS com a referência e a captura de tela.",
        )
    answer = entry.answer
    if facts.code == "CERT_NOT_A3" and facts.certificate_type and not facts.accepted:
        answer = (
            f"Certificado {facts.certificate_type}: adquira um certificado A3 (token, cartão ou em nuvem) numa "
            f"Autoridade de Registro (AR) credenciada pelo ITI ({links.ar_list})."
        )
    return Diagnosis(entry.title, entry.explanation, answer, _since(facts, now))


def _since(facts: Facts, now: dt.datetime) -> tuple[str, ...]:
    notes: list[str] = []
    member_issue = facts.code in {"MEMBER_UNKNOWN", "MEMBER_INACTIVE", "ENTITY_INACTIVE"}
    if member_issue and facts.member_active_now and facts.active_entities_now:
        notes.append(
            "O cadastro está em ordem agora (membro ativo com vínculo em entidade ativa): basta tentar de novo."
        )
    elif facts.member_known_now and not facts.member_active_now:
        notes.append("Hoje o cadastro do membro está inativo: um novo login também será recusado (MEMBER_INACTIVE).")
    elif facts.member_known_now and not facts.active_entities_now:
        notes.append(
            "Hoje o membro não tem vínculo ativo com entidade ativa: um novo login será recusado (ENTITY_INACTIVE)."
        )
    elif facts.code not in {"MEMBER_UNKNOWN", "CERT_NO_CPF", ""} and not facts.member_known_now:
        notes.append("O CPF do certificado não está cadastrado em nenhuma entidade parceira.")
    if facts.revoked_now and facts.code != "CERT_REVOKED":
        notes.append("O certificado consta hoje da LCR da AC emissora (revogado): um novo login será recusado.")
    if facts.not_after is not None and facts.not_after <= now and facts.code != "CERT_EXPIRED":
        notes.append(f"O certificado venceu em {_day(facts.not_after)}: é preciso renovar com a AR.")
    elif facts.not_after is not None and facts.not_after - now <= dt.timedelta(days=30):
        notes.append(f"O certificado vence em {_day(facts.not_after)}: oriente a renovação com a AR.")
    if facts.certificate_type == "A1" and facts.code != "CERT_NOT_A3":
        notes.append("O certificado é do tipo A1: não é aceito no portal, é preciso um A3.")
    if facts.method == "password" and facts.password_allowed_now is False:
        since = f" desde {_day(facts.cutover_at)}" if facts.cutover_at else ""
        notes.append(f"Para a entidade, o acesso com senha está encerrado{since}: só com certificado A3.")
    elif facts.code == "PASSWORD_RETIRED" and facts.password_allowed_now:
        notes.append("Hoje a senha voltou a valer para a entidade (data prorrogada pelo INSS): pode tentar de novo.")
    return tuple(notes)


def _day(instant: dt.datetime) -> str:
    return instant.astimezone(BRASILIA).strftime("%d/%m/%Y")
