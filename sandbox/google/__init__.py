"""A stand-in for Google: OAuth 2.0, Calendar v3, Tasks v1, People v1 and their batch endpoints.

``GoogleSandbox`` in ``app.py`` serves all of them over TLS from one host, the way
google-api-python-client reaches them once ``client_options.api_endpoint`` points at it.
"""
