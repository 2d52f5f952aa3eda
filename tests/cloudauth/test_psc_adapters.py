"""Each PSC's deviations live in its adapter: paths, hash encoding, token request, push answers."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest

from cloudauth.psc.adapters import ADAPTERS, STANDARD, PushState
from cloudauth.psc.transport import HttpAnswer

DIGEST = bytes(range(32))


@pytest.mark.parametrize(
    ("adapter", "prefix", "url"),
    [
        ("padrao", None, "https://psc.example/v0/oauth/token"),
        ("neoid", None, "https://psc.example/psc/v0/oauth/token"),
        ("serproid", None, "https://psc.example/oauth/v0/oauth/token"),
        ("safeid", None, "https://psc.example/Service/Microservice/OAuth/api/v0/oauth/token"),
        ("neoid", "/outro/", "https://psc.example/outro/v0/oauth/token"),
        ("padrao", "prefixo", "https://psc.example/prefixo/v0/oauth/token"),
    ],
)
def test_endpoint_urls_follow_each_psc_path_prefix(adapter, prefix, url):
    assert ADAPTERS[adapter].oauth_url("https://psc.example/", prefix, "token") == url


def test_hash_is_base64_by_default_and_hex_for_birdid():
    assert base64.b64decode(STANDARD.encode_hash(DIGEST)) == DIGEST
    assert ADAPTERS["birdid"].encode_hash(DIGEST) == DIGEST.hex()


def test_token_request_is_a_form_by_default_and_json_where_the_psc_wants_it():
    fields = {"grant_type": "authorization_code", "code": "a b&c"}
    body, content_type = STANDARD.token_request(fields)
    assert content_type == "application/x-www-form-urlencoded"
    assert dict(urllib.parse.parse_qsl(body.decode())) == fields
    body, content_type = ADAPTERS["json"].token_request(fields)
    assert (content_type, json.loads(body)) == ("application/json", fields)


@pytest.mark.parametrize("body", [b"code=7c9e6679", b'{"code": "7c9e6679"}', b"code=7c9e6679\n"])
def test_vidaas_push_code_is_read_from_text_or_json(body):
    assert ADAPTERS["vidaas"].parse_push_start(HttpAnswer(200, body)) == "7c9e6679"


def test_vidaas_push_without_code_is_an_error():
    with pytest.raises(ValueError, match="sem código"):
        ADAPTERS["vidaas"].parse_push_start(HttpAnswer(200, b"{}"))


@pytest.mark.parametrize(
    ("answer", "state", "code"),
    [
        (HttpAnswer(304, b""), PushState.PENDING, ""),
        (HttpAnswer(202, b'{"status": "pending"}'), PushState.PENDING, ""),
        (HttpAnswer(200, b'{"status": "PENDING"}'), PushState.PENDING, ""),
        (HttpAnswer(200, b'{"status": "REJECTED"}'), PushState.DENIED, ""),
        (HttpAnswer(200, b'{"authorizationToken": "abc", "redirectUrl": "push://"}'), PushState.APPROVED, "abc"),
    ],
)
def test_vidaas_push_poll_answers(answer, state, code):
    parsed = ADAPTERS["vidaas"].parse_push_poll(answer)
    assert (parsed.state, parsed.code) == (state, code)


def test_push_url_is_outside_the_oauth_prefix():
    url = ADAPTERS["vidaas"].push_poll_url("https://certificado.vidaas.com.br/", "x y")
    assert url == "https://certificado.vidaas.com.br/valid/api/v1/trusted-services/authentications?code=x+y"


def test_adapters_without_push_refuse_push_calls():
    with pytest.raises(NotImplementedError):
        STANDARD.push_poll_url("https://psc.example", "x")
    assert [a.key for a in ADAPTERS.values() if a.push] == ["vidaas"]
