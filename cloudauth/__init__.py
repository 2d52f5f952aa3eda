"""Cloud A3 login ("certificado em nuvem") through the PSC API of DOC-ICP-17.01 §6.4."""
