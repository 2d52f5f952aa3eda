"""certauth: every decision about a client certificate (ICP-Brasil chain, A3 policy, validity, revocation,
identity), the trusted-proxy boundary, the certificate login and the audit of every attempt."""
