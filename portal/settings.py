"""Settings of the A3 access portal, from the environment (django-environ; a ``.env`` file is read too, and
values already in the environment win). Every setting is documented in the README.

The block "operator knobs" holds everything an operator sets; values below it are derived.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import django_stubs_ext
import environ
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured

from certauth import defaults as certauth_defaults
from certauth.icp.aia import DEFAULT_ALLOWED_HOSTS as DEFAULT_AIA_ALLOWED_HOSTS
from certauth.icp.policy import DEFAULT_ACCEPTED_POLICY_PREFIXES
from oidc import provider_settings as oidc_settings

django_stubs_ext.monkeypatch()  # admin.ModelAdmin[Model] etc. at run time

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env", overwrite=False)

# ---------------------------------------------------------------- operator knobs
DEBUG = env.bool("DEBUG", default=False)
#: Demo mode (``make run``): trusts the demo PKI's root beside ICP-Brasil's, allows a built-in SECRET_KEY.
PORTAL_DEMO = env.bool("PORTAL_DEMO", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

PORTAL_HOSTNAME = env.str("PORTAL_HOSTNAME", default="localhost")
CERT_LOGIN_HOSTNAME = env.str("CERT_LOGIN_HOSTNAME", default=PORTAL_HOSTNAME)
PORTAL_PORT = env.int("PORTAL_PORT", default=8443)
CERT_LOGIN_PORT = env.int("CERT_LOGIN_PORT", default=8444)
# The same login host on a second port with TLS 1.2 only, for A3 tokens that cannot sign with RSA-PSS (0: none).
CERT_LOGIN_TLS12_PORT = env.int("CERT_LOGIN_TLS12_PORT", default=8445)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=sorted({PORTAL_HOSTNAME, CERT_LOGIN_HOSTNAME}))

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
#: Seconds a worker keeps its database connection (opening one per request costs more than a login's queries).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEMO_PKI_DIR = Path(env.str("PORTAL_DEMO_PKI_DIR", default=str(VAR_DIR / "demo-pki")))
#: Demo only: the plain-HTTP port where nginx publishes the demo ACs' CRLs (as ICP-Brasil ACs do).
PORTAL_DEMO_CRL_PORT = env.int("PORTAL_DEMO_CRL_PORT", default=8480)
_DEMO_ROOTS = [str(DEMO_PKI_DIR / "ac" / "ac-raiz-demo.pem")] if PORTAL_DEMO else []
_DEMO_INTERMEDIATES = [str(DEMO_PKI_DIR / "ac" / "acs-intermediarias-demo.pem")] if PORTAL_DEMO else []
CERTAUTH_TRUST_ROOTS = env.list("CERTAUTH_TRUST_ROOTS", default=[*certauth_defaults.ICP_BRASIL_ROOTS, *_DEMO_ROOTS])
CERTAUTH_INTERMEDIATES = env.list(
    "CERTAUTH_INTERMEDIATES", default=[*certauth_defaults.ICP_BRASIL_INTERMEDIATES, *_DEMO_INTERMEDIATES]
)
CERTAUTH_ACCEPTED_POLICY_PREFIXES = env.list(
    "CERTAUTH_ACCEPTED_POLICY_PREFIXES", default=list(DEFAULT_ACCEPTED_POLICY_PREFIXES)
)
CERTAUTH_PROXY_SECRET = env.str("CERTAUTH_PROXY_SECRET", default="")
CERTAUTH_TRUSTED_PROXIES = env.list("CERTAUTH_TRUSTED_PROXIES", default=[])
# Revocation (certauth/conf.py documents each): "chain", "leaf" or "off"; fail closed unless soft-fail.
CERTAUTH_REVOCATION = env.str("CERTAUTH_REVOCATION", default="chain")
CERTAUTH_REVOCATION_SOFT_FAIL = env.bool("CERTAUTH_REVOCATION_SOFT_FAIL", default=False)
CERTAUTH_CRL_GRACE_SECONDS = env.int("CERTAUTH_CRL_GRACE_SECONDS", default=3600)
CERTAUTH_CRL_FETCH_ON_LOGIN = env.bool("CERTAUTH_CRL_FETCH_ON_LOGIN", default=True)
CERTAUTH_CRL_FETCH_TIMEOUT = env.float("CERTAUTH_CRL_FETCH_TIMEOUT", default=5.0)
CERTAUTH_CRL_REFRESH_TIMEOUT = env.float("CERTAUTH_CRL_REFRESH_TIMEOUT", default=120.0)
CERTAUTH_CRL_MAX_BYTES = env.int("CERTAUTH_CRL_MAX_BYTES", default=128 * 1024 * 1024)
CERTAUTH_CRL_URLS = env.list("CERTAUTH_CRL_URLS", default=[])
CERTAUTH_SESSION_RECHECK_SECONDS = env.int("CERTAUTH_SESSION_RECHECK_SECONDS", default=60)
CERTAUTH_OCSP = env.bool("CERTAUTH_OCSP", default=False)
CERTAUTH_OCSP_TIMEOUT = env.float("CERTAUTH_OCSP_TIMEOUT", default=3.0)
# Trust store (issue 17): ITI's bundle URL for `serve`'s daily `trust_store import` (empty: manual imports), the
# age after which /saude/ calls that store stale, and how often each worker checks for new ACs (seconds).
CERTAUTH_TRUST_STORE_URL = env.str("CERTAUTH_TRUST_STORE_URL", default="")
CERTAUTH_TRUST_STORE_MAX_AGE_DAYS = env.int("CERTAUTH_TRUST_STORE_MAX_AGE_DAYS", default=45)
CERTAUTH_TRUST_STORE_RECHECK_SECONDS = env.int("CERTAUTH_TRUST_STORE_RECHECK_SECONDS", default=30)
# AIA (issue 17): a login whose path lacks an AC fetches it from the certificate's caIssuers address, only from
# these hosts (default: ITI's and the ACs' repositories, certauth/icp/aia.py), within the timeout for the whole login
# and the size cap; a failed address is not contacted again for AIA_NEGATIVE_SECONDS. CERTAUTH_AIA=0 turns it off.
CERTAUTH_AIA = env.bool("CERTAUTH_AIA", default=True)
CERTAUTH_AIA_ALLOWED_HOSTS = env.list("CERTAUTH_AIA_ALLOWED_HOSTS", default=list(DEFAULT_AIA_ALLOWED_HOSTS))
CERTAUTH_AIA_TIMEOUT = env.float("CERTAUTH_AIA_TIMEOUT", default=2.0)
CERTAUTH_AIA_MAX_BYTES = env.int("CERTAUTH_AIA_MAX_BYTES", default=256 * 1024)
CERTAUTH_AIA_NEGATIVE_SECONDS = env.int("CERTAUTH_AIA_NEGATIVE_SECONDS", default=600)

#: Cookie domain shared by the portal and login hosts in production (e.g. ``.portal.inss.gov.br``).
SESSION_COOKIE_DOMAIN = env.str("SESSION_COOKIE_DOMAIN", default=None)
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=8)
# An open session's access (member, memberships, entities) is decided again at least this often (seconds), and at
# its next request after staff change any of it.
PORTAL_ACCESS_RECHECK_SECONDS = env.int("PORTAL_ACCESS_RECHECK_SECONDS", default=60)
#: The official addresses of the INSS guidance to partner entities, linked wherever a page or an e-mail sends the
#: user there: support (category "Certificado Digital ACT"), the ITI's list of registration authorities (where to
#: buy a certificate) and the Portal de Atendimento (where the work happens). Empty: the text without a link.
PORTAL_SUPPORT_URL = env.str("PORTAL_SUPPORT_URL", default="https://suporte.inss.gov.br/act")
PORTAL_AR_LIST_URL = env.str("PORTAL_AR_LIST_URL", default="https://listaars.iti.gov.br")
# In the demo, the Portal de Atendimento is the stand-in `make run` starts (patdemo, plain http on loopback).
PORTAL_PAT_URL = env.str(
    "PORTAL_PAT_URL",
    default=f"http://localhost:{env.int('OIDC_DEMO_RP_PORT', default=8450)}/"
    if PORTAL_DEMO
    else "https://atendimento.inss.gov.br",
)
#: INSS staff enter the admin with their own A3 certificate; a password login is refused unless this is on.
PORTAL_STAFF_PASSWORD_LOGIN = env.bool("PORTAL_STAFF_PASSWORD_LOGIN", default=False)
#: Login attempts older than this are deleted by `manage.py audit purge` (LGPD: keep only what is needed).
CERTAUTH_AUDIT_RETENTION_DAYS = env.int("CERTAUTH_AUDIT_RETENTION_DAYS", default=5 * 365)
CERTAUTH_AUDIT_SCOPE = "portal.permissions.scope_audit"

# ---------------------------------------------------------------- derived
if not SECRET_KEY:
    if not (DEBUG or PORTAL_DEMO):
        raise ImproperlyConfigured("Set SECRET_KEY in the environment (or PORTAL_DEMO=1 for the demo).")
    SECRET_KEY = "demo-only-insecure-secret-key-do-not-use-in-production-0123456789"


def _base_url(hostname: str, port: int) -> str:
    return f"https://{hostname}" if port == 443 else f"https://{hostname}:{port}"


PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default=_base_url(PORTAL_HOSTNAME, PORTAL_PORT))
CERT_LOGIN_BASE_URL = env.str("CERT_LOGIN_BASE_URL", default=_base_url(CERT_LOGIN_HOSTNAME, CERT_LOGIN_PORT))
CERT_LOGIN_TLS12_BASE_URL = (
    env.str("CERT_LOGIN_TLS12_BASE_URL", default=_base_url(CERT_LOGIN_HOSTNAME, CERT_LOGIN_TLS12_PORT))
    if CERT_LOGIN_TLS12_PORT
    else ""
)
CERTAUTH_LOGIN_REDIRECT_URL = f"{PORTAL_BASE_URL}/painel/"
# The OpenID Provider for the Portal de Atendimento (oidc): ID and logout tokens signed RS256 with the key in
# OIDC_SIGNING_KEY_FILE (demo: generated by `make demo`); older keys stay published until their tokens expire.
OIDC_SIGNING_KEY_FILE = env.str(
    "OIDC_SIGNING_KEY_FILE", default=str(VAR_DIR / "oidc" / "signing-key.pem") if PORTAL_DEMO else ""
)
OIDC_INACTIVE_KEY_FILES = env.list("OIDC_INACTIVE_KEY_FILES", default=[])
OIDC_ACCESS_TOKEN_SECONDS = env.int("OIDC_ACCESS_TOKEN_SECONDS", default=300)
OIDC_GATEWAY_SECRET = env.str("OIDC_GATEWAY_SECRET", default="")
#: The demo's PAT stand-in (make run): a relying party on loopback, plain http; its /legado/ is the gateway's demo.
OIDC_DEMO_RP_PORT = env.int("OIDC_DEMO_RP_PORT", default=8450)
OIDC_GATEWAY_UPSTREAM = env.str(
    "OIDC_GATEWAY_UPSTREAM", default=f"http://127.0.0.1:{OIDC_DEMO_RP_PORT}/legado/" if PORTAL_DEMO else ""
)
OIDC_GATEWAY_PORT = env.int("OIDC_GATEWAY_PORT", default=8446 if PORTAL_DEMO else 0)
OIDC_GATEWAY_BASE_URL = env.str(
    "OIDC_GATEWAY_BASE_URL", default=_base_url(PORTAL_HOSTNAME, OIDC_GATEWAY_PORT) if OIDC_GATEWAY_PORT else ""
)
OIDC_GATEWAY_A3_ONLY = env.bool("OIDC_GATEWAY_A3_ONLY", default=False)
#: Where a login may send the user back to (`next`): portal paths, and absolute URLs of these origins only.
PORTAL_NEXT_ORIGINS = env.list(
    "PORTAL_NEXT_ORIGINS", default=[u for u in (PORTAL_BASE_URL, OIDC_GATEWAY_BASE_URL) if u]
)
OAUTH2_PROVIDER_APPLICATION_MODEL = "oidc.Client"
OAUTH2_PROVIDER = oidc_settings.provider_settings(
    issuer=PORTAL_BASE_URL,
    signing_key_file=OIDC_SIGNING_KEY_FILE,
    inactive_key_files=OIDC_INACTIVE_KEY_FILES,
    access_token_seconds=OIDC_ACCESS_TOKEN_SECONDS,
    session_seconds=SESSION_MAX_HOURS * 3600,
    allow_http_redirects=env.bool("OIDC_LOOPBACK_HTTP_REDIRECTS", default=PORTAL_DEMO or DEBUG),
)

# Cloud A3 login (PSC API): the PSC sends the browser back to the portal host.
CLOUDAUTH_REDIRECT_URI = f"{PORTAL_BASE_URL}/entrar/nuvem/retorno/"
# PSC addresses over plain http: only the demo's simulator (and the tests) on loopback.
CLOUDAUTH_ALLOW_HTTP = env.bool("CLOUDAUTH_ALLOW_HTTP", default=PORTAL_DEMO)
# The demo's PSC simulator (make run), on loopback.
DEMO_PSC_PORT = env.int("DEMO_PSC_PORT", default=8447)
CSRF_TRUSTED_ORIGINS = [u for u in (PORTAL_BASE_URL, CERT_LOGIN_BASE_URL, CERT_LOGIN_TLS12_BASE_URL) if u]

INSTALLED_APPS = [
    "portal.admin_config.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "localflavor",
    "import_export",
    "simple_history",
    "axes",
    "certauth",
    "cloudauth",
    "rollout",
    "portal",
    "support",  # after portal: its post_migrate adds the lookup to the groups portal's has just set
    # oidc before oauth2_provider: its oauth2_provider/*.html (Portuguese, the portal's look) replace the library's
    "oidc",
    "oauth2_provider",
    "managers",  # after portal: its post_migrate adds to the staff groups portal's sets
    "associations",  # after portal: likewise
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",  # before the session limits: they leave messages
    # The gateway's check (/_a3/check): a session ended by the middlewares below answers nginx 401/403.
    "oidc.gateway.GatewayCheckMiddleware",
    "portal.middleware.SessionLimitsMiddleware",
    "certauth.middleware.CertificateSessionMiddleware",
    "portal.middleware.MemberAccessMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "rollout.middleware.CutoverMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    # Answers only to client_certificate=: password logins skip it, certificate logins never reach django-axes.
    "certauth.backends.ClientCertificateBackend",
    # Answers only to cloud_proof= (a certificate whose key a PSC used to sign the login challenge).
    "cloudauth.backends.CloudCertificateBackend",
    # Refuses a locked-out CPF before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Legacy password login (until each entity's cutover): lockout after repeated failures, per CPF.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
# A CPF is locked after repeated failures from anywhere. Not per address: the lawyers of an OAB section or the
# operators of a city hall share one public address, and one person's typos must not lock out the office; guessing
# across many CPFs from one address is slowed by nginx instead (limit_req on the password login).
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address in the lockout parameters (reasoned against just above; nginx limits addresses).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # certauth's audit records every attempt already
AXES_CLIENT_IP_CALLABLE = "certauth.proxy.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.password_login.lockout_response"
# Argon2id for passwords set or changed here; older PBKDF2 hashes still verify and are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "oidc.hashers.ClientSecretHasher",  # OpenID clients' random secrets only (never a person's password)
]
LOGIN_URL = "portal:home"

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
                "rollout.context_processors.cutover_banner",
            ],
        },
    },
]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions: concurrent gunicorn workers wait for the write lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # A database that stops answering (packets dropped) must not hold a worker until gunicorn's timeout: the
    # request gets the 503 page in seconds.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "pt-br"
TIME_ZONE = "America/Sao_Paulo"
USE_I18N = True
# Above the libraries' own pt-BR: the admin's messages without a wrong gender, month names in lower case, django-axes
# (which has no pt-BR) — locale/admin/pt_BR/LC_MESSAGES/django.po.
LOCALE_PATHS = [BASE_DIR / "locale" / "admin"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "portal.storage.StaticStorage"},
}

# Both hosts are HTTPS behind nginx, which is the only client gunicorn accepts connections from.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_DOMAIN = SESSION_COOKIE_DOMAIN
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session ends after SESSION_IDLE_MINUTES without requests and, in any case, SESSION_MAX_HOURS after login —
# enforced on the server from the login instant (portal.middleware.SessionLimitsMiddleware; the session row's expiry
# never passes it either), whatever the cookie says.
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_ENGINE = "portal.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Only HTTPS ever reaches Django (nginx listens on TLS alone); a plain request is redirected all the same.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# HSTS: a year in production, off in the demo (browsers would remember it for localhost).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if (DEBUG or PORTAL_DEMO) else 31_536_000)
# The portal's own subdomains (the certificate login host among them) are HTTPS-only as well; preload asks browsers
# to ship the rule (submit the domain at hstspreload.org only when every subdomain is ready).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# /saude/ and /metricas/ answer only to these networks (the load balancer, Prometheus).
PORTAL_MONITORING_NETWORKS = env.list("PORTAL_MONITORING_NETWORKS", default=["127.0.0.1/32", "::1/128"])
# TCP load balancers that open each connection with a PROXY protocol header (addresses or networks; empty: none).
# Rendered into nginx (render_nginx): only they may connect, and the client they name is the address everywhere.
PORTAL_PROXY_PROTOCOL_FROM = env.list("PORTAL_PROXY_PROTOCOL_FROM", default=[])
# A strict Content-Security-Policy (django-csp): everything from this site, nothing inline, no frames. Forms post
# to the portal host (the logout form also from the login host's pages).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF, "data:"],
        "font-src": [csp_constants.SELF],
        "connect-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.NONE],
        "frame-ancestors": [csp_constants.NONE],
        "form-action": [
            csp_constants.SELF,
            *[u for u in (PORTAL_BASE_URL, CERT_LOGIN_BASE_URL, CERT_LOGIN_TLS12_BASE_URL) if u],
        ],
    }
}

# django-import-export: CSV and XLSX, whole files in one transaction, import only for those who may change.
from import_export.formats.base_formats import CSV, XLSX  # noqa: E402

IMPORT_EXPORT_FORMATS = [CSV, XLSX]
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# PORTAL_LOG_FORMAT=json: one JSON object per line (python-json-logger), for journald/Loki/ELK; text otherwise.
PORTAL_LOG_FORMAT = env.str("PORTAL_LOG_FORMAT", default="text" if (DEBUG or PORTAL_DEMO) else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": PORTAL_LOG_FORMAT}},
    "loggers": {
        "certauth": {"handlers": ["console"], "level": env.str("CERTAUTH_LOG_LEVEL", default="INFO")},
        "portal": {"handlers": ["console"], "level": "INFO"},
        "rollout": {"handlers": ["console"], "level": "INFO"},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# ---------------------------------------------------------------- e-mail (manage.py rollout remind)
#: ``consolemail://`` prints the messages (demo); production e.g. ``smtp+tls://user:password@smtp.example.gov.br:587``
#: (``smtp+ssl://`` for port 465; URL-encode special characters of the password).
_EMAIL = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _EMAIL.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _EMAIL.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _EMAIL.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_EMAIL.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_EMAIL.get("EMAIL_USE_SSL", False))
if _EMAIL.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = _EMAIL["EMAIL_FILE_PATH"]
#: Seconds before an unresponsive mail server counts as a failed send (retried at the next run).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Portal A3 INSS <nao-responda@portal-a3.invalid>")
# Reminders (rollout/conf.py documents each): days before the cutover; days after it; certificate expiry window.
ROLLOUT_RECHECK_SECONDS = env.int("ROLLOUT_RECHECK_SECONDS", default=60)
ROLLOUT_BANNER_DAYS = env.int("ROLLOUT_BANNER_DAYS", default=120)
ROLLOUT_REMINDER_DAYS = env.list("ROLLOUT_REMINDER_DAYS", cast=int, default=[30, 7, 1])
ROLLOUT_REMINDER_AFTER_DAYS = env.int("ROLLOUT_REMINDER_AFTER_DAYS", default=7)
ROLLOUT_CERTIFICATE_EXPIRY_DAYS = env.int("ROLLOUT_CERTIFICATE_EXPIRY_DAYS", default=30)
