"""A distinguished name as a person reads it (the dashboard's "Emissor")."""

from __future__ import annotations

import pytest

from certauth.icp.facts import readable_name


@pytest.mark.parametrize(
    ("dn", "name"),
    [
        (
            "CN=AC SOLUTI Multipla v5,OU=Autoridade Certificadora Raiz Brasileira v5,O=ICP-Brasil,C=BR",
            "AC SOLUTI Multipla v5",
        ),
        (
            "CN=AC Certisign RFB G5,OU=Secretaria da Receita Federal do Brasil - RFB,O=ICP-Brasil,C=BR",
            "AC Certisign RFB G5",
        ),
        ("CN=Folha,CN=Raiz,O=ICP-Brasil", "Folha"),  # the most specific common name (written first)
        (r"CN=AC Exemplo\, Filial Sul,O=ICP-Brasil,C=BR", "AC Exemplo, Filial Sul"),
        ("OU=Sem nome comum,O=ICP-Brasil,C=BR", "ICP-Brasil"),
        ("(nome ilegível)", "(nome ilegível)"),
        ("", ""),
    ],
)
def test_readable_name(dn, name):
    assert readable_name(dn) == name
