"""The PSC API v0 (DOC-ICP-17.01 §6.4) as pure code: no Django; the caller passes the time and the transport."""
