"""What a person reads for each rejection code: title, explanation and what to do next (pt-BR)."""

from __future__ import annotations

from dataclasses import dataclass

from certauth.icp.errors import Reason


@dataclass(frozen=True, slots=True)
class ReasonText:
    title: str
    explanation: str
    next_steps: tuple[str, ...]

    def steps_for(self, method: str, *, until: str = "") -> tuple[str, ...]:
        """The steps for this login method: a cloud certificate has no token to plug in nor a browser choice to
        forget, so those steps become "try the cloud login again" (once). ``until``: when a retry will be admitted
        (Brasília time, "14:42"), said instead of "aguarde alguns minutos"."""
        waited = tuple(_wait_until(until) if until and s == _WAIT else s for s in self.next_steps)
        if method != "cloud":
            return waited
        steps: list[str] = []
        for step in waited:
            step = _CLOUD_AGAIN if step in _TOKEN_ONLY else step
            if step not in steps:
                steps.append(step)
        return tuple(steps)


_CHECK_TOKEN = "Confira se o token ou cartão está conectado e se você escolheu o certificado correto."
_CLOSE_BROWSER = (
    "Feche todas as janelas do navegador antes de tentar outro certificado: o navegador lembra a escolha feita."
)
_AR = "Adquira ou renove o certificado com uma Autoridade de Registro (AR) credenciada pelo ITI."
_CLOUD_AGAIN = "Tente novamente pela opção “Entrar com certificado em nuvem” e aprove o pedido no aplicativo."
_TOKEN_ONLY = frozenset({_CHECK_TOKEN, _CLOSE_BROWSER})
_WAIT = "Aguarde alguns minutos e tente novamente."


def _wait_until(until: str) -> str:
    return f"Aguarde até as {until} (horário de Brasília) e tente novamente."


_ENTITY = "Procure o responsável pela sua entidade parceira para atualizar o cadastro junto ao INSS."

TEXTS: dict[Reason, ReasonText] = {
    Reason.CERT_ABSENT: ReasonText(
        "Nenhum certificado digital foi apresentado",
        "O navegador não enviou um certificado digital ao portal.",
        (
            _CHECK_TOKEN,
            "Ao ser solicitado, escolha o seu certificado A3 e digite o PIN.",
            # Chromium (Chrome, Edge) filters out such certificates by its own clock: the login host gets none.
            "O certificado não apareceu para escolha? Navegadores como Chrome e Edge não oferecem certificado vencido"
            " ou ainda não válido: confira a validade no programa do token e a data e a hora do computador.",
            _CLOSE_BROWSER,
        ),
    ),
    Reason.CERT_MALFORMED: ReasonText(
        "Certificado ilegível",
        "O certificado recebido não pôde ser lido.",
        (_CHECK_TOKEN, "Se o problema continuar, entre em contato com o suporte do fornecedor do certificado."),
    ),
    Reason.PROXY_UNTRUSTED: ReasonText(
        "Acesso por caminho não autorizado",
        "A solicitação não chegou pelo endereço oficial de login com certificado.",
        ("Use somente o botão “Entrar com certificado digital” da página inicial do portal.",),
    ),
    Reason.CERT_UNTRUSTED: ReasonText(
        "Certificado não reconhecido pela ICP-Brasil",
        "Não foi possível confirmar que o certificado foi emitido por uma autoridade certificadora da ICP-Brasil.",
        ("Use um certificado digital ICP-Brasil do tipo A3.", _CLOSE_BROWSER, _AR),
    ),
    Reason.CERT_EXPIRED: ReasonText(
        "Certificado vencido",
        "O prazo de validade do certificado terminou.",
        (_AR, _CLOSE_BROWSER),
    ),
    Reason.CERT_NOT_YET_VALID: ReasonText(
        "Certificado ainda não válido",
        "O certificado só passa a valer em uma data futura.",
        ("Confira a data e a hora do computador.", "Aguarde o início da validade ou use outro certificado."),
    ),
    Reason.CERT_REVOKED: ReasonText(
        "Certificado revogado",
        "O certificado foi revogado pela autoridade certificadora que o emitiu e não pode mais ser usado.",
        (_AR,),
    ),
    Reason.CERT_REVOCATION_UNKNOWN: ReasonText(
        "Não foi possível verificar a revogação do certificado",
        "A lista de certificados revogados da sua autoridade certificadora não está disponível agora.",
        ("Tente novamente em alguns minutos.", "Se o problema continuar, abra um chamado no suporte."),
    ),
    Reason.CERT_NOT_A3: ReasonText(
        "Certificado não é do tipo A3",
        "O acesso das entidades parceiras exige certificado digital ICP-Brasil do tipo A3 "
        "(token, cartão com leitora ou em nuvem). Certificados A1 não são aceitos.",
        (_AR, _CLOSE_BROWSER),
    ),
    Reason.CERT_KEY_USAGE: ReasonText(
        "Certificado sem permissão para autenticação",
        "Este certificado não pode ser usado para entrar em sistemas (login).",
        ("Use um certificado e-CPF A3 de pessoa física.", _CLOSE_BROWSER),
    ),
    Reason.CERT_NO_CPF: ReasonText(
        "CPF ausente ou inválido no certificado",
        "Não foi possível identificar um CPF válido no certificado.",
        (
            "Use o seu certificado e-CPF A3.",
            "Se o certificado for seu e o problema continuar, procure a Autoridade de Registro (AR) que o emitiu.",
        ),
    ),
    Reason.MEMBER_UNKNOWN: ReasonText(
        "CPF não cadastrado em entidade parceira",
        "O certificado é válido, mas o CPF não está cadastrado em nenhuma entidade parceira do INSS.",
        (_ENTITY,),
    ),
    Reason.MEMBER_INACTIVE: ReasonText(
        "Cadastro inativo",
        "O seu cadastro como representante de entidade parceira está inativo.",
        (_ENTITY,),
    ),
    Reason.ENTITY_INACTIVE: ReasonText(
        "Entidade parceira inativa",
        "A entidade parceira pela qual você atua não está ativa (acordo suspenso ou encerrado).",
        ("Procure o responsável pela sua entidade para regularizar o Acordo de Cooperação Técnica.",),
    ),
    Reason.OAB_MISMATCH: ReasonText(
        "Inscrição na OAB diferente da cadastrada",
        "A inscrição na OAB registrada no certificado não corresponde à cadastrada para você.",
        (_ENTITY,),
    ),
    Reason.PASSWORD_RETIRED: ReasonText(
        "Acesso com senha encerrado",
        "Para a sua entidade, o acesso passou a exigir certificado digital ICP-Brasil do tipo A3 "
        "(Portaria Conjunta DIRBEN/DTI/INSS nº 96/2024).",
        (
            "Entre com o seu certificado digital A3 (token, cartão com leitora ou em nuvem).",
            "Ainda não tem certificado? A entidade o adquire junto a uma Autoridade de Registro (AR) credenciada "
            "pelo ITI; o suporte à instalação é do fornecedor do certificado.",
        ),
    ),
    Reason.PASSWORD_INVALID: ReasonText(
        "CPF ou senha incorretos",
        "Não foi possível entrar com o CPF e a senha informados.",
        ("Confira o CPF e a senha.", "Prefira entrar com o seu certificado digital A3."),
    ),
    Reason.LOCKED_OUT: ReasonText(
        "Acesso bloqueado temporariamente",
        "Foram feitas muitas tentativas seguidas de acesso com senha incorreta para este CPF.",
        ("Aguarde e tente novamente mais tarde, ou entre com o seu certificado digital A3.",),
    ),
    Reason.CLOUD_PSC_UNAVAILABLE: ReasonText(
        "Prestador do certificado em nuvem indisponível",
        "O prestador de serviço de confiança (PSC) que guarda o seu certificado em nuvem não respondeu a tempo "
        "ou respondeu com erro.",
        (
            "Tente novamente em alguns minutos.",
            "Se o problema continuar, entre com o certificado em token ou cartão, ou procure o suporte do PSC.",
        ),
    ),
    Reason.CLOUD_DENIED: ReasonText(
        "Acesso não autorizado no aplicativo",
        "A solicitação de login foi recusada no aplicativo do seu certificado em nuvem.",
        (_CLOUD_AGAIN, "Confira no aplicativo se o pedido é do Portal A3 do INSS e tem o código mostrado no portal."),
    ),
    Reason.CLOUD_NO_CERTIFICATE: ReasonText(
        "Nenhum certificado em nuvem neste prestador",
        "O prestador de serviço de confiança (PSC) escolhido informou que não guarda certificado em nuvem para o CPF "
        "informado.",
        (
            "Tente novamente pela opção “Entrar com certificado em nuvem” e escolha outro prestador: os que têm "
            "certificado para o seu CPF aparecem como “certificado encontrado”.",
            "Não sabe qual prestador emitiu o seu certificado? Veja o e-mail ou o comprovante da compra, ou o "
            "aplicativo de certificado instalado no seu celular.",
            "Se o seu certificado A3 é em token ou cartão, entre com ele pela opção “Entrar com certificado digital”.",
        ),
    ),
    Reason.CLOUD_EXPIRED: ReasonText(
        "Tempo para autorizar esgotado",
        "A autorização no aplicativo do certificado em nuvem não foi concluída dentro do prazo.",
        (_CLOUD_AGAIN, "Deixe o aplicativo do seu certificado em nuvem aberto no celular antes de começar."),
    ),
    Reason.CLOUD_CHALLENGE_INVALID: ReasonText(
        "Solicitação de login inválida ou já utilizada",
        "Esta solicitação de login com certificado em nuvem não pertence a esta sessão do navegador ou já foi usada.",
        (_CLOUD_AGAIN, "Não use os botões voltar ou atualizar do navegador durante o login."),
    ),
    Reason.CLOUD_CPF_MISMATCH: ReasonText(
        "CPF diferente do informado",
        "O certificado em nuvem autorizado pertence a um CPF diferente do informado no portal.",
        ("Confira o CPF digitado.", "No aplicativo do PSC, autorize com o certificado do seu próprio CPF."),
    ),
    Reason.CLOUD_BAD_SIGNATURE: ReasonText(
        "Assinatura de login inválida",
        "O portal não conseguiu confirmar a assinatura do desafio de login com a chave do certificado em nuvem.",
        (_CLOUD_AGAIN, "Se o problema continuar, abra um chamado no suporte e no PSC."),
    ),
    Reason.CLOUD_RATE_LIMITED: ReasonText(
        "Tentativas demais",
        "Houve tentativas de login com certificado em nuvem demais para este CPF ou a partir desta rede.",
        (_WAIT, "Você também pode entrar com o certificado em token ou cartão."),
    ),
    Reason.SESSION_EXPIRED: ReasonText(
        "Sessão encerrada pelo limite de tempo",
        "Por segurança, cada sessão dura no máximo algumas horas a partir da entrada, mesmo com uso contínuo.",
        ("Entre novamente para continuar.",),
    ),
    Reason.SESSION_ENDED: ReasonText(
        "Sessão encerrada pelo INSS",
        "A equipe do INSS encerrou as sessões abertas do seu cadastro.",
        ("Entre novamente. Se não conseguir, procure o responsável pela sua entidade parceira.",),
    ),
}
