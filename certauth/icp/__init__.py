"""Pure ICP-Brasil certificate logic: no Django import anywhere in this package.

Every function takes explicit inputs (bytes, a certificate, the current instant) and returns a value object or
raises :class:`~certauth.icp.errors.CertificateError` carrying a :class:`~certauth.icp.errors.Reason`.
"""
